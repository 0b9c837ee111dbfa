import { inspect } from 'node:util';
import { parseSigningKeys } from './signing-keys';

const bytes = (n: number, fill = 7): string => `whsec_${Buffer.alloc(n, fill).toString('base64')}`;

function error(value: string): string {
  try {
    parseSigningKeys(value);
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('accepted');
}

describe('WEBHOOK_SIGNING_KEYS', () => {
  it('reads per-project keys and the default, splitting each entry at its first "="', () => {
    const a = bytes(32, 1);
    const b = bytes(24, 2);
    const c = bytes(64, 3);
    expect(a.endsWith('=')).toBe(true);
    const keys = parseSigningKeys(` billing=${a}|${b} , *=${c}`);
    expect(keys.forProject('billing')).toHaveLength(2);
    expect(keys.forProject('ads')).toHaveLength(1);
    expect(keys.forProject('ads')[0].sign('x')).not.toBe(keys.forProject('billing')[0].sign('x'));
    expect(parseSigningKeys(`billing=${a}`).forProject('ads')).toHaveLength(0);
    expect(parseSigningKeys('').forProject('billing')).toHaveLength(0);
  });

  it('refuses bad entries with a reason that never contains the key', () => {
    const short = bytes(23);
    const long = bytes(65);
    const cases: [string, string][] = [
      [`billing=${short}`, 'key 1 of project "billing" decodes to 23 bytes; expected 24–64'],
      [`*=${bytes(32)}|${long}`, 'key 2 of the default entry * decodes to 65 bytes'],
      [`billing=${bytes(32).slice(6)}`, 'does not start with whsec_'],
      ['billing=whsec_not*base64!', 'is not whsec_ + base64'],
      ['billing=whsec_', 'is not whsec_ + base64'],
      [bytes(32), 'entry 1: what precedes the first "=" is not a project name'],
      [`a=${bytes(32)},whsec_abc`, 'entry 2 is not PROJECT=KEY'],
      [`Billing=${bytes(32)}`, 'entry 1: what precedes the first "=" is not a project name'],
      [`a=${bytes(32)},a=${bytes(32)}`, 'project "a" appears twice'],
      [`*=${bytes(32)},*=${bytes(32)}`, 'the default entry * appears twice'],
    ];
    for (const [value, reason] of cases) {
      const message = error(value);
      expect(message).toContain(reason);
      expect(message).not.toContain(bytes(32).slice(6, 20));
      expect(message).not.toContain(short.slice(6, 20));
    }
  });

  it('never shows a key when printed, inspected or serialised', () => {
    const secret = bytes(32, 9);
    const keys = parseSigningKeys(`billing=${secret},*=${secret}`);
    const b64 = secret.slice(6, 30);
    for (const shown of [
      JSON.stringify({ keys }),
      JSON.stringify(keys.forProject('billing')),
      inspect(keys, { depth: 10, showHidden: true }),
      inspect(keys.forProject('billing'), { depth: 10, showHidden: true }),
      String(keys.forProject('billing')[0]),
      `${keys.describe()}`,
    ]) {
      expect(shown).not.toContain(b64);
      expect(shown).not.toContain(Buffer.alloc(32, 9).toString('hex').slice(0, 16));
    }
    expect(keys.describe()).toBe('billing (1 keys), * (1 keys)');
  });
});
