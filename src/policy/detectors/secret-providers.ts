import type { Detector } from './detector';
import { regexDetector } from './detector';
import { looksRandom } from './secrets';

/*
 * Token formats of providers the main catalog (secrets.ts) does not hold, from each provider's documentation or
 * the public scanners' rules (gitleaks, GitHub secret scanning): a fixed prefix, then an alphabet and a length.
 * Every alternative starts with a literal and runs at most 256 characters, so a scan is linear in the text.
 */
const providerPattern = new RegExp(
  [
    String.raw`\bSG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}\b`, // SendGrid
    String.raw`\bSK[0-9a-fA-F]{32}\b`, // Twilio API key
    String.raw`\bshp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}\b`, // Shopify
    String.raw`\bhv[sbr]\.[A-Za-z0-9_-]{24,256}`, // HashiCorp Vault
    String.raw`\bdo[por]_v1_[a-f0-9]{64}\b`, // DigitalOcean
    String.raw`\bdapi[a-f0-9]{32}(?:-\d)?\b`, // Databricks
    String.raw`\bglsa_[A-Za-z0-9]{32}_[A-Fa-f0-9]{8}\b|\bglc_[A-Za-z0-9+/]{32,256}`, // Grafana
    String.raw`\bsbp_[a-f0-9]{40}\b`, // Supabase
    String.raw`\bgsk_[A-Za-z0-9]{52}\b`, // Groq
    String.raw`\br8_[A-Za-z0-9]{37}\b`, // Replicate
    String.raw`\bpplx-[A-Za-z0-9]{48}\b`, // Perplexity
    String.raw`\bxai-[A-Za-z0-9]{80}\b`, // xAI
    String.raw`\bsk-or-v1-[a-f0-9]{64}\b`, // OpenRouter
    String.raw`\btskey-(?:auth|client|api|webhook)-[A-Za-z0-9]{6,64}-[A-Za-z0-9]{16,128}`, // Tailscale
    String.raw`\bdckr_pat_[A-Za-z0-9_-]{27,128}`, // Docker Hub
    String.raw`\bPMAK-[a-f0-9]{24}-[a-f0-9]{34}\b`, // Postman
    String.raw`\b\d{8,10}:AA[A-Za-z0-9_-]{33}\b`, // Telegram bot
    String.raw`\bAccountKey=[A-Za-z0-9+/]{86}==`, // Azure storage
    String.raw`\bAGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}\b`, // age
    String.raw`\bEAAA[A-Za-z0-9_-]{60}\b|\bsq0(?:csp|atp)-[A-Za-z0-9_-]{22,43}\b`, // Square
    String.raw`\baccess_token\$production\$[a-z0-9]{16}\$[a-f0-9]{32}\b`, // Braintree
    String.raw`\bNRAK-[A-Z0-9]{27}\b`, // New Relic
    String.raw`\bsk\.eyJ[A-Za-z0-9_-]{20,256}\.[A-Za-z0-9_-]{20,256}`, // Mapbox secret token
    String.raw`\blin_(?:api|oauth)_[A-Za-z0-9]{40}\b`, // Linear
    String.raw`\bntn_[A-Za-z0-9]{40,56}\b|\bsecret_[A-Za-z0-9]{43}\b`, // Notion
    String.raw`\bdp\.(?:pt|st|sa|ct|scim|audit)\.[A-Za-z0-9]{40,44}\b`, // Doppler
    String.raw`\bsntry[su]_[A-Za-z0-9+/=_-]{40,256}`, // Sentry
    String.raw`\bpscale_(?:tkn|oauth|pw)_[A-Za-z0-9_.-]{32,64}`, // PlanetScale
    String.raw`\bATATT3[A-Za-z0-9_=-]{180,256}`, // Atlassian
    String.raw`\bfig[dpu]_[A-Za-z0-9_-]{40,128}`, // Figma
    String.raw`\bkey-[a-f0-9]{32}\b`, // Mailgun
    String.raw`\bHRKU-[A-Za-z0-9_-]{60}\b`, // Heroku
    String.raw`\bpul-[a-f0-9]{40}\b`, // Pulumi
    String.raw`\bre_[A-Za-z0-9]{8}_[A-Za-z0-9]{24}\b`, // Resend
  ].join('|'),
  'g',
);

const providerHint =
  /SG\.|SK|shp|hv[sbr]\.|_v1_|dapi|gls|glc_|sbp_|gsk_|r8_|pplx-|xai-|sk-or-|tskey-|dckr_|PMAK-|:AA|AccountKey=|AGE-SECRET|EAAA|sq0|\$production\$|NRAK-|sk\.eyJ|lin_|ntn_|secret_|dp\.|sntry|pscale_|ATATT3|fig|key-|HRKU-|pul-|re_/;

/** Tokens of the providers listed above; a filler (`dop_v1_000...`) is a documented format, not a token. */
export const providerTokenDetector: Detector = ((): Detector => {
  const base = regexDetector({
    name: 'provider_token',
    group: 'secrets',
    pattern: providerPattern,
    prefilter: (text) => providerHint.test(text),
    linear: true,
  });
  const find: Detector['find'] = (text) =>
    base.find(text).filter((m) => looksRandom(text.slice(Math.max(m.start, m.end - 16), m.end)));
  return {
    name: base.name,
    group: 'secrets',
    linear: true,
    find,
    test: (text) => base.test(text) && find(text).length > 0,
  };
})();

const basicAuth = /\bBasic[ \t]{1,8}([A-Za-z0-9+/]{8,256}={0,2})/g;

/** HTTP Basic credentials (`Authorization: Basic <base64 of user:password>`) whose password is not empty. */
export const basicAuthDetector: Detector = regexDetector({
  name: 'basic_auth',
  group: 'secrets',
  pattern: basicAuth,
  prefilter: (text) => text.includes('Basic'),
  linear: true,
  validate: (candidate) => {
    const encoded = candidate.replace(/^Basic\s+/, '');
    let decoded: string;
    try {
      decoded = atob(encoded);
    } catch {
      return false;
    }
    const colon = decoded.indexOf(':');
    return colon > 0 && /^[\x20-\x7e]+$/.test(decoded) && decoded.length - colon - 1 >= 4;
  },
});
