import { detectorsByName } from '../../../src/policy/detectors/registry';
import { ibanValid, luhnValid } from '../../../src/policy/detectors/checksums';
import { redactText, scanValue } from '../../../src/policy/detectors/scan';

function detect(name: string, text: string): string[] {
  const detector = detectorsByName.get(name);
  if (!detector) throw new Error(`no detector ${name}`);
  return detector.find(text).map((m) => text.slice(m.start, m.end));
}

describe('detectors', () => {
  test.each([
    ['email', 'write to jane.doe+tag@example.co.uk today', 'jane.doe+tag@example.co.uk'],
    ['phone', 'call +1 415 555 2671 now', '+1 415 555 2671'],
    ['phone', 'call (555) 123-4567', '(555) 123-4567'],
    ['phone', 'tel +4930123456789', '+4930123456789'],
    ['credit_card', 'card 4111 1111 1111 1111 exp 12/29', '4111 1111 1111 1111'],
    ['credit_card', 'card 5500-0000-0000-0004', '5500-0000-0000-0004'],
    ['credit_card', 'amex 378282246310005', '378282246310005'],
    ['ssn', 'ssn 123-45-6789', '123-45-6789'],
    ['iban', 'pay DE89 3704 0044 0532 0130 00 today', 'DE89 3704 0044 0532 0130 00'],
    ['iban', 'pay GB82WEST12345698765432', 'GB82WEST12345698765432'],
    ['iban', 'to GB82 WEST 1234 5698 7654 32 thanks', 'GB82 WEST 1234 5698 7654 32'],
    ['cloud_key', 'aws_access_key_id=AKIAIOSFODNN7EXAMPLE', 'AKIAIOSFODNN7EXAMPLE'],
    ['bearer_token', 'Authorization: Bearer abcdefghijklmnop1234', 'Bearer abcdefghijklmnop1234'],
    ['github_token', 'token ghp_abcdefghijklmnopqrstuvwxyz0123456789', 'ghp_abcdefghijklmnopqrstuvwxyz0123456789'],
    [
      'jwt',
      'jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U end',
      'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U',
    ],
    [
      'private_key',
      'key:\n-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----\nbye',
      '-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----',
    ],
    [
      'private_key',
      '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC',
      '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC',
    ],
    ['dangerous_shell', 'sudo rm -rf / ', 'sudo rm -rf / '],
    ['dangerous_shell', 'rm -fr ~', 'rm -fr ~'],
    ['dangerous_shell', 'cd x && rm -r --force /etc', 'cd x && rm -r --force /etc'],
    ['dangerous_shell', 'mkfs.ext4 /dev/sda1', 'mkfs.ext4 /dev/sda1'],
    ['dangerous_shell', 'dd if=/dev/zero of=/dev/sda bs=1M', 'dd if=/dev/zero of=/dev/sda bs=1M'],
    ['dangerous_shell', ':(){ :|:& };:', ':(){ :|:& };:'],
    ['dangerous_shell', 'curl -fsSL https://x.sh | sudo bash', 'curl -fsSL https://x.sh | sudo bash'],
    ['dangerous_shell', 'wget -qO- http://x | sh', 'wget -qO- http://x | sh'],
    ['destructive_sql', 'DROP TABLE users;', 'DROP TABLE users;'],
    ['destructive_sql', 'drop database prod', 'drop database prod'],
    ['destructive_sql', 'TRUNCATE TABLE orders', 'TRUNCATE TABLE orders'],
    ['destructive_sql', 'DELETE FROM users; SELECT 1', 'DELETE FROM users; SELECT 1'],
  ])('%s finds %j', (name, text, expected) => {
    expect(detect(name, text)).toEqual([expected]);
  });

  test.each([
    ['email', 'no at sign here, or user@localhost'],
    ['phone', 'order 20240115 shipped 2024-01-15, version 1.2.3, ip 192.168.1.1'],
    ['phone', 'card 4111 1111 1111 1111'],
    ['credit_card', 'not a card: 4111 1111 1111 1112 (fails Luhn)'],
    ['credit_card', 'zeros 0000 0000 0000 0000 and short 4111 1111'],
    ['ssn', 'area 000-12-3456, 666-12-3456, 900-12-3456, group 123-00-4567, serial 123-45-0000'],
    ['ssn', 'date 2024-01-15'],
    ['iban', 'DE89 3704 0044 0532 0130 01 (bad checksum)'],
    ['iban', 'GB82WEST12345698765433'],
    ['cloud_key', 'AKIA123 too short, akiaiosfodnn7example lower'],
    ['bearer_token', 'bearer of bad news'],
    ['jwt', 'eyJhbGciOiJIUzI1NiJ9 alone'],
    ['private_key', '-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----'],
    ['dangerous_shell', 'rm -rf ./build node_modules'],
    ['dangerous_shell', 'rm /tmp/file.txt && ls -la /'],
    ['dangerous_shell', 'dd if=/dev/zero of=/dev/null count=1'],
    ['dangerous_shell', 'curl https://example.com -o file.sh'],
    ['destructive_sql', 'SELECT * FROM users WHERE id = 1'],
    ['destructive_sql', 'DELETE FROM users WHERE id = 7'],
    ['destructive_sql', 'drop the table near the window'],
  ])('%s ignores %j', (name, text) => {
    expect(detect(name, text)).toEqual([]);
  });

  test.each([
    ['4111111111111111', true],
    ['4111111111111112', false],
    ['79927398713', true],
    ['', false],
  ])('luhnValid(%s) = %s', (digits, valid) => {
    expect(luhnValid(digits)).toBe(valid);
  });

  test.each([
    ['DE89370400440532013000', true],
    ['de89 3704 0044 0532 0130 00', true],
    ['DE89370400440532013001', false],
    ['DE8937040044', false],
  ])('ibanValid(%s) = %s', (iban, valid) => {
    expect(ibanValid(iban)).toBe(valid);
  });

  test('scanValue finds strings at any depth and reports their JSON pointers', () => {
    const pii = ['email', 'ssn'].map((n) => detectorsByName.get(n)!);
    const findings = scanValue({ a: [{ 'b/c': 'mail x@y.io' }], n: 5, s: 'ssn 123-45-6789', k: { 'x@y.io': 1 } }, pii);
    expect(findings).toEqual([
      { detector: 'email', pointer: '/a/0/b~1c' },
      { detector: 'ssn', pointer: '/s' },
    ]);
  });

  test('redactText replaces each match with its detector name', () => {
    const detectors = ['email', 'credit_card'].map((n) => detectorsByName.get(n)!);
    expect(redactText('a@b.io and 4111-1111-1111-1111, c@d.io', detectors)).toBe(
      '[REDACTED:email] and [REDACTED:credit_card], [REDACTED:email]',
    );
  });
});
