/**
 * chrF (Popović 2015): the F-score of character n-grams (n = 1 to 6, spaces ignored) of a text against a reference,
 * recall weighted twice (β = 2). 0 to 100; how close a rewrite is to the team's approved text, robust to small
 * edits in a way word overlap is not.
 */
export function chrF(hypothesis: string, reference: string, maxN = 6, beta = 2): number {
  const hyp = hypothesis.replace(/\s+/g, '');
  const ref = reference.replace(/\s+/g, '');
  let precision = 0;
  let recall = 0;
  let orders = 0;
  for (let n = 1; n <= maxN; n++) {
    const h = ngrams(hyp, n);
    const r = ngrams(ref, n);
    const hTotal = hyp.length - n + 1;
    const rTotal = ref.length - n + 1;
    if (hTotal <= 0 || rTotal <= 0) continue;
    let matches = 0;
    for (const [gram, count] of h) matches += Math.min(count, r.get(gram) ?? 0);
    precision += matches / hTotal;
    recall += matches / rTotal;
    orders++;
  }
  if (!orders) return hyp === ref ? 100 : 0;
  precision /= orders;
  recall /= orders;
  if (!precision && !recall) return 0;
  const b2 = beta * beta;
  return (100 * (1 + b2) * precision * recall) / (b2 * precision + recall);
}

function ngrams(text: string, n: number): Map<string, number> {
  const counts = new Map<string, number>();
  for (let i = 0; i + n <= text.length; i++) {
    const gram = text.slice(i, i + n);
    counts.set(gram, (counts.get(gram) ?? 0) + 1);
  }
  return counts;
}
