import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { ValidationFailedError } from './errors';

const MAC_BYTES = 16;
const MAX_KEY_PARTS = 16;
const MAX_PART_LENGTH = 512;

function invalid(): ValidationFailedError {
  return ValidationFailedError.of(
    'token',
    'is not a token issued by this list, or was issued for other filters or sort',
  );
}

/**
 * The bytes of `text` if it is the one canonical base64url spelling of them (no padding, unused
 * trailing bits zero, no other characters), else null: Node's decoder ignores junk and stray bits,
 * so several strings would otherwise decode to one MAC.
 */
function canonicalBase64url(text: string): Buffer | null {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return null;
  const bytes = Buffer.from(text, 'base64url');
  return bytes.toString('base64url') === text ? bytes : null;
}

/**
 * Opaque, tamper-evident paging cursors: base64url(JSON of the last row's sort key) + "." + an
 * HMAC over that payload and the list's scope (its filters and sort), so a token edited by hand or
 * reused with other filters is rejected as VALIDATION_FAILED instead of reaching SQL.
 */
export class PageTokenCodec {
  private readonly secret: Buffer;

  /** `secret`: PAGE_TOKEN_SECRET or the database's random one (src/common/page-token.module.ts) */
  constructor(secret: string | Buffer) {
    this.secret = createHash('sha256')
      .update('sundial page token v1\u0000')
      .update(secret)
      .digest();
  }

  encode(scope: string, key: string[]): string {
    const payload = Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
    return `${payload}.${this.mac(scope, payload).toString('base64url')}`;
  }

  /** The key of a token issued by encode() for the same scope, or VALIDATION_FAILED. */
  decode(scope: string, token: string): string[] {
    const dot = token.indexOf('.');
    if (dot <= 0) throw invalid();
    const payload = token.slice(0, dot);
    const given = canonicalBase64url(token.slice(dot + 1));
    if (given === null || canonicalBase64url(payload) === null) throw invalid();
    const expected = this.mac(scope, payload);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw invalid();
    let key: unknown;
    try {
      key = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    } catch {
      throw invalid();
    }
    if (
      !Array.isArray(key) ||
      key.length === 0 ||
      key.length > MAX_KEY_PARTS ||
      !key.every((p) => typeof p === 'string' && p.length <= MAX_PART_LENGTH)
    ) {
      throw invalid();
    }
    return key as string[];
  }

  private mac(scope: string, payload: string): Buffer {
    return createHmac('sha256', this.secret)
      .update(scope)
      .update('\u0000')
      .update(payload)
      .digest()
      .subarray(0, MAC_BYTES);
  }
}
