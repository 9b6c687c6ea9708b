import type { Detector, DetectorMatch } from './detector';
import { secretDetectors as catalogDetectors } from './secret-gate';
import { secretKeyDetector } from './secret-keys';
import { providerTokenDetector } from './secret-providers';

/*
 * Secrets written base64-encoded into a command or file (`echo QVdTX1NFQ1JFVF9BQ0NFU1NfS0VZPS4uLg== | base64 -d >
 * .env`): each run of 24 to 4,096 base64 characters is decoded once and the text it decodes to, when it is text, is
 * judged by the other secret detectors. Runs are disjoint and at most 64 are decoded, so a scan is linear.
 */

const base64Run = /(?<![A-Za-z0-9+/=_-])[A-Za-z0-9+/]{24,4096}={0,2}(?![A-Za-z0-9+/=_-])/g;
const maxRuns = 64;

/** The text `run` decodes to, or undefined when it is not base64 of printable text (images, hashes, binary). */
function decodedText(run: string): string | undefined {
  if (run.replace(/=+$/, '').length % 4 === 1) return undefined;
  let decoded: string;
  try {
    decoded = atob(run.length % 4 === 0 ? run : run + '='.repeat(4 - (run.length % 4)));
  } catch {
    return undefined;
  }
  let printable = 0;
  for (let i = 0; i < decoded.length; i++) {
    const c = decoded.charCodeAt(i);
    if ((c >= 32 && c < 127) || c === 9 || c === 10 || c === 13) printable++;
  }
  return printable === decoded.length ? decoded : undefined;
}

const inner: Detector[] = [...catalogDetectors, providerTokenDetector, secretKeyDetector];

/** Base64 runs that decode to text holding a secret (`encoded_secret`). */
export const encodedSecretDetector: Detector = {
  name: 'encoded_secret',
  group: 'secrets',
  linear: true,
  find(text) {
    if (text.length < 24) return [];
    const matches: DetectorMatch[] = [];
    base64Run.lastIndex = 0;
    let runs = 0;
    for (let m = base64Run.exec(text); m !== null && runs < maxRuns; m = base64Run.exec(text), runs++) {
      const decoded = decodedText(m[0]);
      if (decoded !== undefined && inner.some((d) => (d.gate === undefined || d.gate(decoded)) && d.test(decoded))) {
        matches.push({ start: m.index, end: m.index + m[0].length });
      }
    }
    return matches;
  },
  test(text) {
    return this.find(text).length > 0;
  },
};
