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
 * the first four characters to the end and read letters as 10-35, the number mod 97 must be 1.
 */
export function ibanValid(iban: string): boolean {
  return longestIban(iban, 0, iban.length) === iban.length;
}

/**
 * Where the longest IBAN ({@link ibanValid}) that starts at `start` ends: at `end` or at a space before it (a
 * trailing word of four letters can join the last group of a candidate), or -1 for none. One mod-97 pass over the
 * candidate that checks each place it could end, instead of a copy and a check per shorter candidate.
 */
export function longestIban(text: string, start: number, end: number): number {
  let length = 0;
  let remainder = 0;
  // The first four characters count last: kept aside, folded in at each place the candidate could end.
  let head = 0;
  let longest = -1;
  for (let i = start; i <= end; i++) {
    let code = i < end ? text.charCodeAt(i) : 32;
    if (code === 32) {
      if (length >= 15 && withHead(remainder, head) === 1) longest = i;
      continue;
    }
    if (code >= 97 && code <= 122) code -= 32;
    const digit = code >= 48 && code <= 57;
    const letter = code >= 65 && code <= 90;
    // Every longer candidate holds this character too, or is too long.
    if (length < 2 ? !letter : length < 4 ? !digit : !digit && !letter) return longest;
    if (length === 34) return longest;
    if (length < 4) head = head * 128 + code;
    else remainder = foldChar(remainder, code);
    length++;
  }
  return longest;
}

function withHead(remainder: number, head: number): number {
  let folded = remainder;
  for (let shift = 3; shift >= 0; shift--) folded = foldChar(folded, Math.floor(head / 128 ** shift) % 128);
  return folded;
}

function foldChar(remainder: number, code: number): number {
  if (code <= 57) return (remainder * 10 + (code - 48)) % 97;
  return (remainder * 100 + (code - 55)) % 97;
}
