import type { Detector } from './detector';
import { regexDetector } from './detector';

/** Cloud access key ids: AWS (`AKIA...`, `ASIA...`), Google API keys (`AIza...`). */
export const cloudKeyDetector = regexDetector({
  name: 'cloud_key',
  group: 'secrets',
  pattern: /\b(?:(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}|AIza[0-9A-Za-z_-]{35})\b/g,
  prefilter: (text) => /AKIA|ASIA|ABIA|ACCA|AIza/.test(text),
});

/** PEM private key blocks (RSA, EC, OpenSSH, PKCS#8, encrypted), also when the END line is cut off. */
export const privateKeyDetector = regexDetector({
  name: 'private_key',
  group: 'secrets',
  pattern:
    /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----[\s\S]*?(?:-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----|$)/g,
  prefilter: (text) => text.includes('-----BEGIN'),
});

/** HTTP bearer tokens (`Bearer <token>`) and well-known token formats (GitHub `ghp_...`, Slack `xox?-...`). */
export const bearerTokenDetector = regexDetector({
  name: 'bearer_token',
  group: 'secrets',
  pattern: /\bBearer\s+[A-Za-z0-9\-._~+/]{16,}=*|\bgh[pousr]_[A-Za-z0-9]{36,}\b|\bxox[abprs]-[A-Za-z0-9-]{10,}/g,
  prefilter: (text) => text.includes('Bearer') || text.includes('_') || text.includes('xox'),
});

/** JSON web tokens: three base64url parts, the first two encoding JSON objects (`eyJ`). */
export const jwtDetector = regexDetector({
  name: 'jwt',
  group: 'secrets',
  pattern: /\beyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g,
  prefilter: (text) => text.includes('eyJ'),
});

/** Every secret detector. */
export const secretDetectors: Detector[] = [cloudKeyDetector, privateKeyDetector, bearerTokenDetector, jwtDetector];
