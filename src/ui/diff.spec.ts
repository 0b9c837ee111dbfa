// The dashboard's revision diff (src/ui/public/js/diff.js), tested as the plain module it is.
import { diffLines, fold, stableJson } from './public/js/diff.js';

const diff = diffLines;

describe('revision diff', () => {
  it('pairs removed and added lines side by side and keeps the common ones', () => {
    const rows = diff(['a', 'b', 'c', 'd'], ['a', 'B', 'c', 'd', 'e']);
    expect(rows.map((r) => r.kind)).toEqual(['same', 'changed', 'same', 'same', 'added']);
    expect(rows[1]).toEqual({
      kind: 'changed',
      left: { no: 2, text: 'b' },
      right: { no: 2, text: 'B' },
    });
    expect(rows[4]).toEqual({ kind: 'added', left: null, right: { no: 5, text: 'e' } });
  });

  it('shows a pure removal on the left only', () => {
    const rows = diff(['x', 'y', 'z'], ['x', 'z']);
    expect(rows.map((r) => r.kind)).toEqual(['same', 'removed', 'same']);
    expect(rows[1].left).toEqual({ no: 2, text: 'y' });
  });

  it('ignores key order and folds long unchanged stretches', () => {
    expect(stableJson({ b: 1, a: { d: 2, c: 3 } })).toBe(stableJson({ a: { c: 3, d: 2 }, b: 1 }));
    const a = Array.from({ length: 20 }, (_, i) => `line ${i}`);
    const b = [...a];
    b[10] = 'changed';
    const rows = fold(diffLines(a, b), 3);
    expect(rows.map((r) => r.kind)).toEqual([
      'fold',
      'same',
      'same',
      'same',
      'changed',
      'same',
      'same',
      'same',
      'fold',
    ]);
    expect(rows[0].count).toBe(7);
    expect(rows[8].count).toBe(6);
  });
});
