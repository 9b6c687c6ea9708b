import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { UsedLinkStore } from './used-link-store';
import type { GuardErrorCode } from '../workflows/error-codes';

/** What a one-click link decides. */
export type LinkDecision = 'approve' | 'deny';

/** How long a one-click link stays valid. */
export const LINK_TTL_MS = 24 * 60 * 60 * 1000;

/** The fields a link carries. */
export interface ApprovalLinkClaims {
  escalationId: string;
  decision: LinkDecision;
  /** The approver identity the link was issued to. */
  approver: string;
  /**
   * The approver groups the link decides with: the minting approver's, or the channel's configured `groups`.
   * Without any, the link cannot decide an escalation whose rule has approver groups.
   */
  groups?: string[];
}

/** A link that verified: its claims, its expiry (epoch ms) and its single-use nonce. */
export interface VerifiedApprovalLink extends ApprovalLinkClaims {
  expiresAt: number;
  nonce: string;
}

/** Why a link was refused. */
export type ApprovalLinkErrorCode = Extract<
  GuardErrorCode,
  'GUARD_LINK_FORGED' | 'GUARD_LINK_EXPIRED' | 'GUARD_LINK_MALFORMED' | 'GUARD_LINK_USED'
>;

/** A refused link; `code` says why (match on `code`, or on `name` across realms). */
export class ApprovalLinkError extends Error {
  readonly code: ApprovalLinkErrorCode;
  constructor(code: ApprovalLinkErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ApprovalLinkError';
    this.code = code;
  }
}

/** Options of {@link createApprovalLinkSigner}. */
export interface ApprovalLinkSignerOptions {
  /** HMAC key, at least 32 bytes (e.g. `openssl rand -base64 32`). Rotating it voids every open link. */
  secret: string | Uint8Array;
  /** How long a link stays valid. */
  ttlMs: number;
  /** Clock, injectable for tests. @default Date.now */
  now?: () => number;
  /** Where used nonces are recorded; required by `redeem`. */
  usedLinks?: UsedLinkStore;
}

/** Signs and verifies one-click approval tokens. */
export interface ApprovalLinkSigner {
  /** A URL-safe token for one decision by one approver on one escalation. */
  sign(claims: ApprovalLinkClaims): string;
  /** Checks signature, shape and expiry (not single use); throws {@link ApprovalLinkError}. */
  verify(token: string): VerifiedApprovalLink;
  /** `verify`, then marks the nonce used; a second redeem of the same token throws code `used`. */
  redeem(token: string): Promise<VerifiedApprovalLink>;
}

const MIN_SECRET_BYTES = 32;
const NONCE_BYTES = 16;
const TOKEN_VERSION = 1;
const SEGMENT = /^[A-Za-z0-9_-]+$/;

interface WireClaims {
  v: number;
  e: string;
  d: LinkDecision;
  a: string;
  x: number;
  n: string;
  g?: string[];
}

function isWireClaims(value: unknown): value is WireClaims {
  const claims = value as Partial<WireClaims> | null;
  return (
    typeof claims === 'object' &&
    claims !== null &&
    claims.v === TOKEN_VERSION &&
    typeof claims.e === 'string' &&
    claims.e.length > 0 &&
    (claims.d === 'approve' || claims.d === 'deny') &&
    typeof claims.a === 'string' &&
    claims.a.length > 0 &&
    typeof claims.x === 'number' &&
    Number.isSafeInteger(claims.x) &&
    typeof claims.n === 'string' &&
    SEGMENT.test(claims.n) &&
    (claims.g === undefined ||
      (Array.isArray(claims.g) && claims.g.every((group) => typeof group === 'string' && group.length > 0)))
  );
}

/**
 * Creates a signer for one-click approval links. A token is `base64url(claims JSON).base64url(HMAC-SHA256)`; the
 * claims hold the escalation id, decision, approver, the approver groups it decides with (if any), expiry and a
 * random 128-bit nonce that makes each token single-use through a {@link UsedLinkStore}.
 */
export function createApprovalLinkSigner(options: ApprovalLinkSignerOptions): ApprovalLinkSigner {
  const secret = typeof options.secret === 'string' ? Buffer.from(options.secret, 'utf8') : Buffer.from(options.secret);
  if (secret.length < MIN_SECRET_BYTES) {
    throw new RangeError(
      `approval link secret is ${secret.length} bytes; use at least ${MIN_SECRET_BYTES} (e.g. \`openssl rand -base64 32\`)`,
    );
  }
  if (!Number.isFinite(options.ttlMs) || options.ttlMs <= 0) {
    throw new RangeError(`approval link ttlMs must be a positive number of milliseconds, got ${options.ttlMs}`);
  }
  const now = options.now ?? Date.now;
  const mac = (segment: string) => createHmac('sha256', secret).update(segment).digest();

  const verify = (token: string): VerifiedApprovalLink => {
    const parts = typeof token === 'string' ? token.split('.') : [];
    const [body, signature] = parts;
    if (parts.length !== 2 || !body || !signature || !SEGMENT.test(body) || !SEGMENT.test(signature)) {
      throw new ApprovalLinkError(
        'GUARD_LINK_MALFORMED',
        'approval link token is malformed: expected <claims>.<signature>',
      );
    }
    const expected = mac(body);
    const presented = Buffer.from(signature, 'base64url');
    if (presented.length !== expected.length || !timingSafeEqual(presented, expected)) {
      throw new ApprovalLinkError(
        'GUARD_LINK_FORGED',
        'approval link signature does not match: the link was altered or not issued here',
      );
    }
    let claims: unknown;
    try {
      claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
    } catch (cause) {
      throw new ApprovalLinkError('GUARD_LINK_MALFORMED', 'approval link claims are not valid JSON', { cause });
    }
    if (!isWireClaims(claims)) {
      throw new ApprovalLinkError(
        'GUARD_LINK_MALFORMED',
        'approval link claims are incomplete or of an unknown version',
      );
    }
    if (now() >= claims.x) {
      throw new ApprovalLinkError(
        'GUARD_LINK_EXPIRED',
        `approval link expired at ${new Date(claims.x).toISOString()}; decide in the inbox or ask for a new link`,
      );
    }
    return {
      escalationId: claims.e,
      decision: claims.d,
      approver: claims.a,
      ...(claims.g && claims.g.length > 0 ? { groups: claims.g } : {}),
      expiresAt: claims.x,
      nonce: claims.n,
    };
  };

  return {
    sign({ escalationId, decision, approver, groups }) {
      if (!escalationId || !approver) throw new TypeError('approval link needs a non-empty escalationId and approver');
      if (decision !== 'approve' && decision !== 'deny') {
        throw new TypeError(`approval link decision must be 'approve' or 'deny', got '${String(decision)}'`);
      }
      if (groups !== undefined && !groups.every((group) => typeof group === 'string' && group.length > 0)) {
        throw new TypeError('approval link groups must be non-empty strings');
      }
      const claims: WireClaims = {
        v: TOKEN_VERSION,
        e: escalationId,
        d: decision,
        a: approver,
        x: now() + options.ttlMs,
        n: randomBytes(NONCE_BYTES).toString('base64url'),
        ...(groups && groups.length > 0 ? { g: groups } : {}),
      };
      const body = Buffer.from(JSON.stringify(claims), 'utf8').toString('base64url');
      return `${body}.${mac(body).toString('base64url')}`;
    },
    verify,
    async redeem(token) {
      if (!options.usedLinks) throw new TypeError('redeem needs a usedLinks store in createApprovalLinkSigner options');
      const link = verify(token);
      if (!(await options.usedLinks.markUsed(link.nonce, link.expiresAt))) {
        throw new ApprovalLinkError('GUARD_LINK_USED', 'approval link was already used; each link decides once');
      }
      return link;
    },
  };
}
