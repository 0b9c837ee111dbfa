import type { SortField } from './dto/list-triggers.dto';

/** An order of the trigger list: a field and a direction (the DTO has parsed `sort`). */
export interface ListOrder {
  field: SortField;
  direction: 'asc' | 'desc';
}

/** A sort key: a SQL expression (compared as `::type`), read back as text for the cursor. */
export interface SortKey {
  sql: string;
  type: 'boolean' | 'timestamptz' | 'text';
  /** the same for every key of one order */
  desc: boolean;
}

const NAME_KEYS = ['t.project', 't.domain', 't.task_name', 't.name'];

/**
 * docs/api.md "Listing and paging": the keys of each order (null: the default order). Ties are
 * broken by the name parts in the order's own direction, so a page boundary is one row comparison
 * that an index can seek to.
 */
export function sortKeys(order: ListOrder | null): SortKey[] {
  const key = (sql: string, type: SortKey['type'], desc: boolean): SortKey => ({ sql, type, desc });
  const names = (desc: boolean) => NAME_KEYS.map((sql) => key(sql, 'text', desc));
  // default: active first, then newest update
  if (order === null) {
    return [
      key('t.active', 'boolean', true),
      key('t.updated_at', 'timestamptz', true),
      ...names(true),
    ];
  }
  const desc = order.direction === 'desc';
  switch (order.field) {
    case 'name':
      return names(desc);
    case 'taskName':
      return ['t.task_name', 't.project', 't.domain', 't.name'].map((sql) =>
        key(sql, 'text', desc),
      );
    case 'deployedAt':
      return [key('t.deployed_at', 'timestamptz', desc), ...names(desc)];
    case 'updatedAt':
      return [key('t.updated_at', 'timestamptz', desc), ...names(desc)];
    case 'triggeredAt':
      // Never-triggered rows sort as the earliest time: first ascending, last descending.
      return [
        key(`COALESCE(t.triggered_at, '-infinity'::timestamptz)`, 'timestamptz', desc),
        ...names(desc),
      ];
  }
}

/** How many values a page token of this order holds. */
export function sortKeyCount(order: ListOrder | null): number {
  return sortKeys(order).length;
}
