/** Table and number formatting shared by the benchmark scripts. */
export const row = (cells: Array<string | number>) => `| ${cells.join(' | ')} |`;
export const f3 = (x: number) => x.toFixed(3);
export const ms = (x: number) => `${x.toFixed(1)} ms`;
export const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
export const percentile = (values: number[], p: number) =>
  [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(p * values.length))];
