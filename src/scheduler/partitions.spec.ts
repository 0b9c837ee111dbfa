import { PGlite } from '@electric-sql/pglite';
import { fairShare } from './partition-leases.repository';
import { PARTITION_COUNT, partitionOf, partitionSql } from './partitions';

describe('scheduler partitions', () => {
  it('hashes ids the same in TypeScript and in SQL', async () => {
    const ids = [
      '1',
      '2',
      '63',
      '64',
      '65',
      '2147483646',
      '2147483647',
      '2147483648',
      '9007199254740993',
      '9223372036854775807',
    ];
    for (let i = 100; i < 400; i++) ids.push(String(i));
    const db = new PGlite();
    try {
      const { rows } = await db.query<{ p: number }>(
        `SELECT ${partitionSql('x.id')} AS p FROM unnest($1::bigint[]) WITH ORDINALITY AS x(id, o) ORDER BY o`,
        [ids],
      );
      expect(rows.map((r) => r.p)).toEqual(ids.map(partitionOf));
    } finally {
      await db.close();
    }
  });

  it('spreads consecutive ids evenly', () => {
    const counts = new Array<number>(PARTITION_COUNT).fill(0);
    for (let id = 1; id <= 64_000; id++) counts[partitionOf(String(id))]++;
    expect(Math.min(...counts)).toBeGreaterThan(900);
    expect(Math.max(...counts)).toBeLessThan(1100);
  });

  it('gives fair shares that add up to every partition', () => {
    for (let n = 1; n <= 70; n++) {
      const shares = Array.from({ length: n }, (_, rank) => fairShare(rank, n));
      expect(shares.reduce((a, b) => a + b, 0)).toBe(PARTITION_COUNT);
      expect(Math.max(...shares) - Math.min(...shares)).toBeLessThanOrEqual(1);
    }
    expect(fairShare(-1, 3)).toBe(PARTITION_COUNT);
  });
});
