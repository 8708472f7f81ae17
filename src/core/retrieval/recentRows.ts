/** Rows whose derived values are kept (for analyzed passage terms, about 6 MB at most). */
const KEPT_ROWS = 4096;

/**
 * Values derived from rows that the file ranking read lately (most recent last), such as a passage's analyzed
 * terms: the same passages come back across questions. Rows are renumbered only when an index is reset, which
 * clears it.
 */
export class RecentRows<T> {
  private byRow = new Map<number, T>();

  of(row: number, derive: (row: number) => T): T {
    let value = this.byRow.get(row);
    if (value !== undefined) this.byRow.delete(row);
    else {
      value = derive(row);
      if (this.byRow.size >= KEPT_ROWS) this.byRow.delete(this.byRow.keys().next().value!);
    }
    this.byRow.set(row, value);
    return value;
  }

  clear(): void {
    this.byRow.clear();
  }
}
