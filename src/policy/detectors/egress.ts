import { isIP } from 'node:net';

import ipaddr from 'ipaddr.js';

import type { Detector, DetectorMatch } from './detector';
import { verdictMemo } from './verdict-memo';

/** Address ranges a tool must not be sent to: the machine itself, private networks, cloud metadata. */
const blockedRanges = new Set([
  'unspecified',
  'broadcast',
  'multicast',
  'linkLocal',
  'loopback',
  'carrierGradeNat',
  'private',
  'reserved',
  'uniqueLocal',
  'ipv4Mapped',
  'rfc6145',
  'rfc6052',
  '6to4',
  'teredo',
  'benchmarking',
  'amt',
  'as112',
  'as112v6',
  'orchid2',
  'deprecated',
  'discard',
]);
// Public wildcard and rebinding DNS services answer with the address written in the name (127.0.0.1.nip.io,
// 7f000001.c0a80001.rbndr.us, make-127-0-0-1-rr.1u.ms) or with loopback for every name (localtest.me, lvh.me): a
// name under them is judged internal without a lookup. The loopback services' own name is loopback too; the
// own name of a service that reads the address from the name (nip.io, sslip.io) is its public web site.
const addressInNameDomains = ['nip\\.io', 'sslip\\.io', 'xip\\.io', 'nip\\.direct'].join('|');
const rebindingDomains = [
  'localtest\\.me',
  'lvh\\.me',
  'vcap\\.me',
  'lacolhost\\.com',
  'localh\\.st',
  'traefik\\.me',
  'rbndr\\.us',
  '1u\\.ms',
].join('|');
const internalNames = new RegExp(
  `^(?:localhost|ip6-localhost|ip6-loopback|metadata|metadata\\.google\\.internal|metadata\\.goog|instance-data|kubernetes(?:\\.default(?:\\.svc(?:\\.cluster\\.local)?)?)?)\\.?$|\\.(?:localhost|internal|local|localdomain|home\\.arpa|cluster\\.local|svc|consul|lan|intranet|corp)\\.?$|(?:^|\\.)(?:${rebindingDomains})\\.?$|\\.(?:${addressInNameDomains})\\.?$`,
  'i',
);
// Schemes the URL parser reads as hierarchical even without `//` (`http:127.0.0.1/`, `http:/127.0.0.1/`).
const specialScheme = /^(?:https?|wss?|ftp|file):/i;
const urlInText = /\b[A-Za-z][A-Za-z0-9+.-]{0,15}:\/\/[^\s"'<>`]{1,2048}/g;
const hostLike = /^\[?[A-Za-z0-9.:_%-]{1,253}\]?(?::\d{1,5})?(?:\/\S*)?$/;
const maxUrlLength = 8192;

/** Why `url` must not be fetched, or undefined when it may. Never resolves names: no DNS in the guard. */
export function egressProblem(url: URL, raw?: string): string | undefined {
  const scheme = url.protocol.slice(0, -1).toLowerCase();
  if (scheme !== 'http' && scheme !== 'https') return `non-HTTP scheme ${scheme}:`;
  if (raw !== undefined && ambiguousAuthority(raw)) return 'ambiguous authority (parsers disagree on the host)';
  return hostProblem(url.hostname);
}

/**
 * `http://user@127.0.0.1:80@evil.example/` or a backslash in the authority: the WHATWG parser, curl and Python's
 * urllib pick different hosts, so the URL checked is not the URL fetched.
 */
function ambiguousAuthority(raw: string): boolean {
  const start = raw.indexOf('://');
  if (start < 0) return false;
  let end = raw.length;
  for (const stop of ['/', '?', '#']) {
    const at = raw.indexOf(stop, start + 3);
    if (at >= 0 && at < end) end = at;
  }
  const authority = raw.slice(start + 3, end);
  return authority.indexOf('@') !== authority.lastIndexOf('@') || authority.includes('\\');
}

/** Why a host (as the WHATWG URL parser normalised it) is internal, or undefined when it is public. */
export function hostProblem(hostname: string): string | undefined {
  const host = hostname.replace(/^\[|\]$/g, '');
  if (host === '') return 'no host';
  const kind = isIP(host);
  if (kind === 4) {
    const range = ipv4Range(host);
    return range ? `${range} address ${host}` : undefined;
  }
  if (kind === 6) {
    let address: ipaddr.IPv4 | ipaddr.IPv6 = ipaddr.IPv6.parse(host);
    if (address.isIPv4MappedAddress()) address = address.toIPv4Address();
    else if (isIPv4Compatible(address)) {
      // `::127.0.0.1` (deprecated IPv4-compatible form): some stacks still route it to the IPv4 address.
      const [high = 0, low = 0] = address.parts.slice(6);
      const dotted = `${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`;
      const range = ipv4Range(dotted);
      return range ? `${range} address ${host}` : undefined;
    }
    const range = address.range();
    return blockedRanges.has(range) ? `${range} address ${host}` : undefined;
  }
  if (internalNames.test(host)) return `internal host name ${host}`;
  return undefined;
}

function isIPv4Compatible(address: ipaddr.IPv6): boolean {
  const parts = address.parts;
  return parts.slice(0, 6).every((p) => p === 0) && (parts[6] ?? 0) !== 0;
}

// The IPv4 ranges of ipaddr.js that are not public unicast, as [first octets, prefix length, name].
const ipv4Blocked: [number, number, string][] = [
  [0x00000000, 8, 'unspecified'],
  [0x0a000000, 8, 'private'],
  [0x64400000, 10, 'carrierGradeNat'],
  [0x7f000000, 8, 'loopback'],
  [0xa9fe0000, 16, 'linkLocal'],
  [0xac100000, 12, 'private'],
  [0xc0000000, 24, 'reserved'],
  [0xc0000200, 24, 'reserved'],
  [0xc0586300, 24, 'reserved'],
  [0xc0a80000, 16, 'private'],
  [0xc6120000, 15, 'benchmarking'],
  [0xc6336400, 24, 'reserved'],
  [0xcb007100, 24, 'reserved'],
  [0xe0000000, 4, 'multicast'],
  [0xf0000000, 4, 'reserved'],
  // Azure's WireServer (host configuration and its keys) is public address space reachable only from inside Azure.
  [0xa83f8110, 32, 'cloudMetadata'],
];

/** The blocked range a dotted IPv4 address falls in (ipaddr.js's names), by integer arithmetic: no parsing cost. */
function ipv4Range(dotted: string): string | undefined {
  let value = 0;
  for (const part of dotted.split('.')) value = value * 256 + Number(part);
  for (const [base, prefix, name] of ipv4Blocked) {
    const size = 2 ** (32 - prefix);
    if (value >= base && value < base + size) return name;
  }
  return undefined;
}

function parseUrl(text: string): URL | undefined {
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
}

/**
 * Where `text` would send a request that it must not: a URL or host to loopback, private, link-local, shared or
 * cloud metadata addresses in any notation the URL parser accepts (decimal `2130706433`, octal `0177.0.0.1`, hex
 * `0x7f.1`, short `127.1`, IPv6 `[::1]`, IPv4-mapped `[::ffff:127.0.0.1]`, NAT64), internal names (`localhost`,
 * `*.internal`, `metadata.google.internal`, wildcard-DNS names like `*.nip.io`), or a non-HTTP scheme (`file:`,
 * `gopher:`, `dict:`) when the whole string is a URL. URLs inside longer text are checked for their host.
 */
export const urlDetector: Detector = {
  name: 'url',
  group: 'egress',
  // Whole strings: a URL is judged whole, and over 128 KiB a string is a match, so time is bounded and linear.
  linear: true,
  find(text) {
    if (text.length > maxUrlLength * 16) return [{ start: 0, end: text.length }];
    const whole = text.trim();
    if (
      /^[A-Za-z][A-Za-z0-9+.-]{0,15}:/.test(whole) &&
      !/\s/.test(whole) &&
      (whole.includes('://') || !hostLike.test(whole) || specialScheme.test(whole))
    ) {
      const url = parseUrl(whole);
      if (!url) return /^[A-Za-z][A-Za-z0-9+.-]{0,15}:\/\//.test(whole) ? [{ start: 0, end: text.length }] : [];
      return egressProblem(url, whole) ? [{ start: 0, end: text.length }] : [];
    }
    if (hostLike.test(whole) && !whole.includes('://')) {
      const url = parseUrl(
        `http://${whole.includes(':') && !whole.startsWith('[') && isIP(whole) === 6 ? `[${whole}]` : whole}`,
      );
      if (url && hostProblem(url.hostname) && looksLikeHost(whole)) return [{ start: 0, end: text.length }];
      return [];
    }
    if (!text.includes('://')) return [];
    const matches: DetectorMatch[] = [];
    urlInText.lastIndex = 0;
    for (let m = urlInText.exec(text); m !== null; m = urlInText.exec(text)) {
      const url = parseUrl(m[0].replace(/[).,;\]]+$/, ''));
      if (url && /^https?:$/.test(url.protocol) && egressProblem(url, m[0])) {
        matches.push({ start: m.index, end: m.index + m[0].length });
      }
    }
    return matches;
  },
  test(text) {
    // Agents fetch the same URLs again and again: a parse costs a micro-second, a remembered verdict a lookup.
    return memo.get(text, () => this.find(text).length > 0);
  },
};

const memo = verdictMemo<boolean>();

/** A bare string is a host when it has a dot, a colon or is a known name: `README` and `42` are not. */
function looksLikeHost(text: string): boolean {
  return (
    /[.:]/.test(text) ||
    internalNames.test(text) ||
    (/^\d+$/.test(text) === false && /^0x[0-9a-f]+$/i.test(text)) ||
    /^\d{8,10}$/.test(text)
  );
}

/** Every egress detector. */
export const egressDetectors: Detector[] = [urlDetector];
