import { buildProgram } from '../../../src/cli/main';
import { CLI_COMMANDS } from '../../../src/config';

test('the commands the binary registers are exactly CLI_COMMANDS (which deployment files are checked against)', () => {
  const registered = buildProgram().commands.map((command) => command.name());
  expect([...registered].sort()).toEqual([...CLI_COMMANDS].sort());
});
