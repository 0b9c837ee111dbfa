import { PageTokenCodec } from './page-token';
import { ValidationFailedError } from './errors';

const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

describe('PageTokenCodec', () => {
  const codec = new PageTokenCodec('s'.repeat(32));

  it('decodes its own tokens for the same scope only', () => {
    const token = codec.encode('scope-a', ['2026-01-01', 'x']);
    expect(codec.decode('scope-a', token)).toEqual(['2026-01-01', 'x']);
    expect(() => codec.decode('scope-b', token)).toThrow(ValidationFailedError);
    expect(() => new PageTokenCodec('t'.repeat(32)).decode('scope-a', token)).toThrow(
      ValidationFailedError,
    );
  });

  it('rejects every non-canonical spelling of a valid MAC', () => {
    const token = codec.encode('scope', ['k']);
    const [payload, mac] = token.split('.');
    // 16 bytes take 22 characters: the last one carries 2 bits, so 4 low bits are unused.
    const last = BASE64URL.indexOf(mac[21]);
    const variants = [
      ...[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]
        .map((bits) => BASE64URL[(last & ~15) | ((last & 15) ^ bits)])
        .map((c) => `${mac.slice(0, 21)}${c}`),
      `${mac}==`,
      `${mac.slice(0, 11)} ${mac.slice(11)}`,
      `${mac}.`,
      Buffer.from(mac, 'base64url').toString('base64'), // + and / instead of - and _ (when present)
    ].filter((v) => v !== mac);
    for (const variant of variants) {
      expect(Buffer.from(variant, 'base64url').equals(Buffer.from(mac, 'base64url'))).toBe(true);
      expect(() => codec.decode('scope', `${payload}.${variant}`)).toThrow(ValidationFailedError);
    }
    expect(codec.decode('scope', token)).toEqual(['k']);
  });
});
