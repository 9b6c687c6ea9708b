/** Luhn (mod 10) check over a string of digits, as used by payment card numbers. */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return false;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return digits.length > 0 && sum % 10 === 0;
}

/**
 * ISO 13616 IBAN check (spaces ignored, any case): two letters, two digits, 11 to 30 letters or digits; moved
 * the first four characters to the end and read letters as 10-35, the number mod 97 must be 1. One pass over
 * the text: detectors call it on many candidates.
 */
export function ibanValid(iban: string): boolean {
  let length = 0;
  let remainder = 0;
  // The first four characters count last: kept aside, folded in after the rest.
  let head = 0;
  for (let i = 0; i < iban.length; i++) {
    let code = iban.charCodeAt(i);
    if (code === 32) continue;
    if (code >= 97 && code <= 122) code -= 32;
    const digit = code >= 48 && code <= 57;
    const letter = code >= 65 && code <= 90;
    if (length < 2 ? !letter : length < 4 ? !digit : !digit && !letter) return false;
    if (length < 4) head = head * 128 + code;
    else remainder = foldChar(remainder, code);
    length++;
  }
  if (length < 15 || length > 34) return false;
  for (let shift = 3; shift >= 0; shift--) remainder = foldChar(remainder, Math.floor(head / 128 ** shift) % 128);
  return remainder === 1;
}

function foldChar(remainder: number, code: number): number {
  if (code <= 57) return (remainder * 10 + (code - 48)) % 97;
  return (remainder * 100 + (code - 55)) % 97;
}
