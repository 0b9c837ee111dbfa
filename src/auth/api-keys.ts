import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { ApiKeyConfig } from '../config/app-config';

/** Lowercase hex SHA-256 of a key string as sent: the form kept in configuration. */
export function sha256Hex(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** The token of `Authorization: Bearer <token>`, or null when the header is absent or not Bearer. */
export function bearerToken(headers: IncomingHttpHeaders): string | null {
  const header = headers.authorization;
  if (typeof header !== 'string') return null;
  const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
  return m ? m[1] : null;
}

/**
 * Finds the configured key whose hash matches a presented key. The presented key is hashed once,
 * then compared with every configured hash in constant time (no early exit), so neither the
 * comparison nor the position of a match leaks through timing.
 */
export class KeyRing<K extends { sha256: string }> {
  private readonly entries: { key: K; digest: Buffer }[];

  constructor(keys: readonly K[]) {
    this.entries = keys.map((key) => ({ key, digest: Buffer.from(key.sha256, 'hex') }));
  }

  get size(): number {
    return this.entries.length;
  }

  match(presented: string): K | null {
    const digest = createHash('sha256').update(presented, 'utf8').digest();
    let found: K | null = null;
    for (const entry of this.entries) {
      if (timingSafeEqual(digest, entry.digest) && found === null) found = entry.key;
    }
    return found;
  }
}

export type ApiKeyRing = KeyRing<ApiKeyConfig>;
