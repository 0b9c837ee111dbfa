// Types of diff.js for its unit test (src/ui/diff.spec.ts); the browser loads the .js as it is.
export interface DiffSide {
  no: number;
  text: string;
}
export interface DiffRow {
  kind: 'same' | 'changed' | 'removed' | 'added' | 'fold';
  left?: DiffSide | null;
  right?: DiffSide | null;
  count?: number;
}
export function stableJson(value: unknown): string;
export function diffLines(a: string[], b: string[]): DiffRow[];
export function fold(rows: DiffRow[], context?: number): DiffRow[];
export function diffView(before: unknown, after: unknown, left: string, right: string): HTMLElement;
