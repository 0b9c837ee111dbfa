/** Go duration syntax (`90s`, `1h30m`, `1.5h`, `500ms`): a sequence of decimal numbers with units. */

const UNIT_NS: Readonly<Record<string, number>> = {
  ns: 1,
  us: 1e3,
  µs: 1e3,
  μs: 1e3,
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};

/** Milliseconds of a Go duration (may be fractional), or null when it is not Go syntax. */
export function parseGoDuration(text: string): number | null {
  const re = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/gy;
  if (text === '' || text === '0') return text === '0' ? 0 : null;
  let ns = 0;
  let pos = 0;
  re.lastIndex = 0;
  while (pos < text.length) {
    const m = re.exec(text);
    if (m === null || m.index !== pos) return null;
    ns += Number(m[1]) * UNIT_NS[m[2]];
    pos = re.lastIndex;
  }
  return ns / 1e6;
}
