/** Character classes by UTF-16 code, for detectors that walk text without regular expressions. */

/** `0`-`9`. */
export function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

/** ASCII letters `A`-`Z`, `a`-`z`. */
export function isLetter(code: number): boolean {
  return (code >= 65 && code <= 90) || (code >= 97 && code <= 122);
}
