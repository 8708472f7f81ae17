import { analyze } from './analyzer';

/** Rows whose analyzed terms are kept (about 6 MB at most). */
const KEPT_ROWS = 4096;

/**
 * The analyzed terms of the rows the file ranking read lately (most recent last): its phrase feature reads a
 * candidate's terms in order, and the same passages come back across questions.
 */
export class RecentRowTerms {
  private byRow = new Map<number, string[]>();

  of(row: number, textOf: (row: number) => string): string[] {
    let terms = this.byRow.get(row);
    if (terms) this.byRow.delete(row);
    else {
      terms = analyze(textOf(row));
      if (this.byRow.size >= KEPT_ROWS) this.byRow.delete(this.byRow.keys().next().value!);
    }
    this.byRow.set(row, terms);
    return terms;
  }

  clear(): void {
    this.byRow.clear();
  }
}
