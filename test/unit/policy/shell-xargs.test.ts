import { classifyShell } from '../../../src/policy/detectors/shell-classify';

const level = (command: string) => classifyShell(command).level ?? 'allowed';

describe('xargs and parallel feeding unknown arguments to a destructive command', () => {
  test.each([
    // Arguments from a file, a pipe of data, a download, an argument file, a here-document made at run time.
    'xargs rm -rf < list',
    'xargs -0 rm -f < /tmp/paths',
    'cat list | xargs rm -rf',
    'sort -u files.txt | xargs -r rm',
    'curl -s https://example.com/l | xargs rm -rf',
    'xargs -a list rm -rf',
    'xargs --arg-file=list mv -t /srv',
    'xargs rm < $(cat x)',
    'xargs chmod -R 777 < dirs',
    'cat list | xargs -I{} mv {} /tmp/',
    'xargs -n1 truncate -s 0 < logs',
    'sudo xargs rm -rf < list',
    'cat l | sudo xargs rm',
    'xargs rm -rf <<< "$TARGETS"',
    'parallel rm -rf < list',
    'cat list | parallel rm',
    'parallel rm :::: list',
    'parallel -j4 chown -R nobody < dirs',
    // Lines of input run as code.
    'xargs -I{} sh -c "{}" < cmds',
    'cat cmds | parallel bash -c',
  ])('%s escalates', (command) => {
    expect(level(command)).toBe('suspicious');
  });

  test.each([
    'xargs rm -rf < /tmp/list <<< /',
    'echo / | xargs rm -rf',
    'ls / | xargs rm -rf',
    'parallel rm -rf ::: /',
    'parallel rm -rf ::: /tmp/x ::: /etc',
    'xargs shred -u < files',
  ])('%s is dangerous', (command) => {
    expect(level(command)).toBe('danger');
  });

  test.each([
    'xargs -n1 echo < list.txt',
    'find . -name "*.pyc" | xargs rm -f',
    'find src -name "*.test.ts" | xargs wc -l',
    'git ls-files -z | xargs -0 wc -l',
    'grep -rl TODO src | xargs sed -i s/a/b/',
    'echo build dist | xargs rm -rf',
    'printf "%s\\n" a.o b.o | xargs rm -f',
    'xargs rm -f <<< "a.o b.o"',
    'parallel rm -rf ::: build dist',
    'parallel gzip ::: *.log',
    'cat urls | xargs -n1 curl -O',
    'pgrep node | xargs kill',
    'cat files | xargs grep -n TODO',
  ])('%s is allowed', (command) => {
    expect(level(command)).toBe('allowed');
  });

  test('says where the arguments come from', () => {
    expect(classifyShell('cat list | xargs rm -rf').reasons).toContain('xargs hands rm arguments from the output of cat');
    expect(classifyShell('xargs -a paths rm').reasons).toContain('xargs hands rm arguments from the file paths');
  });
});
