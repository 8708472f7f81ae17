/** What a status line says about the index: text and a longer tooltip. */
export interface ProgressLabel {
  text: string;
  tooltip: string;
}

/**
 * The progress of the index's updates as the editor shows it. Each update counts from zero: a new one never shows
 * the last one's "535 of 535" while it starts (a branch checkout showed exactly that).
 */
export class UpdateProgress {
  private done = 0;
  private total = 0;
  private running = false;
  private failure: string | undefined;

  /** From activation until the first update ends, the index is not ready: never "docs indexed" before. */
  constructor(startsIndexing: boolean) {
    this.running = startsIndexing;
  }

  start(): void {
    this.running = true;
    this.failure = undefined;
    this.done = 0;
    this.total = 0;
  }

  report(done: number, total: number): void {
    this.done = done;
    this.total = total;
  }

  finish(error?: string): void {
    this.running = false;
    this.failure = error;
  }

  get indexing(): boolean {
    return this.running;
  }

  get error(): string | undefined {
    return this.failure;
  }

  get counts(): { done: number; total: number } {
    return { done: this.done, total: this.total };
  }

  label(): ProgressLabel {
    if (this.failure) return { text: '$(error) Groundwork', tooltip: `Indexing failed: ${this.failure}` };
    if (this.running && this.total)
      return {
        text: `$(sync~spin) Groundwork: indexing ${this.done} of ${this.total}`,
        tooltip: 'Groundwork is indexing the workspace docs',
      };
    if (this.running) return { text: '$(sync~spin) Groundwork: indexing', tooltip: 'Groundwork is indexing the workspace docs' };
    return { text: '$(book) Groundwork', tooltip: 'Groundwork: docs indexed. Click for the index status.' };
  }
}
