import { fnv1_64Hex, manualRunName, RunNamer, scheduledRunName, slotTimeKey } from './run-name';

const trigger = { project: 'p', domain: 'd', taskName: 'task', name: 'k1' };

/** The reference: 64-bit FNV-1 written plainly in BigInt arithmetic. */
function fnv1_64(text: string): bigint {
  let h = 0xcbf29ce484222325n;
  for (const byte of Buffer.from(text, 'utf8')) {
    h = BigInt.asUintN(64, h * 0x100000001b3n) ^ BigInt(byte);
  }
  return h;
}

describe('run names', () => {
  it('matches Flyte for the documented example', () => {
    expect(scheduledRunName(trigger, new Date('2026-07-01T09:00:00Z'))).toBe('r33e6dc05117cbf71');
  });

  it('uses FNV-1 (not 1a) with the standard offset basis', () => {
    // Reference values of the 64-bit FNV-1 test vectors.
    expect(fnv1_64Hex('')).toBe('cbf29ce484222325');
    expect(fnv1_64Hex('a')).toBe('af63bd4c8601b7be');
    expect(fnv1_64Hex('foobar')).toBe('340d8765a4dda9c2');
  });

  it('hashes on 32-bit halves exactly as the BigInt reference, for any text', () => {
    const alphabet = [
      'a',
      'Z',
      '0',
      ':',
      '-',
      '_',
      ' ',
      'é',
      'ß',
      '日',
      '本',
      '🙂',
      '\u007f',
      '\u0080',
    ];
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const texts = ['', 'a', 'foobar', 'p:d:task:k1:2026:7:1:9:0:0'];
    for (let i = 0; i < 3000; i++) {
      const length = Math.floor(random() * 80);
      texts.push(
        Array.from({ length }, () => alphabet[Math.floor(random() * alphabet.length)]).join(''),
      );
    }
    for (const text of texts)
      expect([text, fnv1_64Hex(text)]).toEqual([text, fnv1_64(text).toString(16)]);
  });

  it('formats the time in UTC without zero padding', () => {
    expect(slotTimeKey(new Date('2026-01-02T03:04:05.678Z'))).toBe('2026:1:2:3:4:5');
    expect(slotTimeKey(new Date('2026-12-31T23:59:59+02:00'))).toBe('2026:12:31:21:59:59');
  });

  it('hex has no padding', () => {
    // FNV-1 xors the last byte in after the last multiply: vary the trigger, not only the time.
    const names = Array.from({ length: 2000 }, (_, i) =>
      scheduledRunName({ ...trigger, name: `k${i}` }, new Date(Date.UTC(2026, 0, 1, 0, 0, i))),
    );
    expect(names.some((n) => n.length < 17)).toBe(true);
    for (const n of names) expect(n).toMatch(/^r[1-9a-f][0-9a-f]*$/);
  });

  it('a namer gives the same names as hashing the whole string', () => {
    const namer = new RunNamer(trigger);
    for (let i = 0; i < 100; i++) {
      const at = new Date(Date.UTC(2026, i % 12, 1 + (i % 28), i % 24, i % 60, (i * 7) % 60));
      expect(namer.nameOf(at)).toBe(`r${fnv1_64Hex(`p:d:task:k1:${slotTimeKey(at)}`)}`);
    }
  });

  it('manual names are distinct and never look scheduled', () => {
    const now = new Date('2026-07-01T09:00:00Z');
    const a = manualRunName(now);
    const b = manualRunName(now);
    expect(a).not.toBe(b);
    expect(a).toMatch(/^m[0-9a-f]{22}$/);
  });
});
