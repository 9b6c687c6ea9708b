import { parseDurationFlag } from '../../../src/cli/duration-flag';

test('a duration option becomes milliseconds', () => {
  expect(parseDurationFlag('72h', '--timeout')).toBe(259_200_000);
  expect(parseDurationFlag('90s', '--timeout')).toBe(90_000);
  expect(parseDurationFlag('1.5m', '--timeout')).toBe(90_000);
});

test.each(['3 days', '72', 'h', '-5m', '0s', ''])('%p is refused with the option and the format named', (text) => {
  expect(() => parseDurationFlag(text, '--timeout')).toThrow(
    `--timeout must be a positive duration: a number and one of ms, s, m, h, d (e.g. 30s, 5m, 72h, 2d), got '${text}'`,
  );
});
