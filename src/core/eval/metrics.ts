/** Retrieval metrics exactly as `../shared/eval/tools/score.py` defines them, so the two agree on the same results. */

export interface EvalQuery {
  id: string;
  question: string;
  relevant: string[];
  relevant_sections?: Array<{ path: string; lines?: [number, number] }>;
}

export interface RankedChunk {
  path: string;
  startLine: number;
  endLine: number;
}

export interface Scores {
  ndcg10: number;
  r1: number;
  r5: number;
  r10: number;
  mrr10: number;
  sec5: number;
  queries: number;
  missing: number;
}

export function scoreRun(queries: EvalQuery[], results: Map<string, RankedChunk[]>): Scores {
  const total = { ndcg10: 0, r1: 0, r5: 0, r10: 0, mrr10: 0, sec5: 0 };
  let missing = 0;
  for (const query of queries) {
    const relevant = new Set(query.relevant.map((r) => r.split('#')[0]));
    const ranked = results.get(query.id);
    if (!ranked) {
      missing++;
      continue;
    }
    const files: string[] = [];
    for (const r of ranked) if (!files.includes(r.path)) files.push(r.path);
    const gains: number[] = files.slice(0, 10).map((f) => (relevant.has(f) ? 1 : 0));
    const dcg = gains.reduce((sum, g, i) => sum + g / Math.log2(i + 2), 0);
    let idcg = 0;
    for (let i = 0; i < Math.min(relevant.size, 10); i++) idcg += 1 / Math.log2(i + 2);
    total.ndcg10 += idcg ? dcg / idcg : 0;
    for (const [k, key] of [
      [1, 'r1'],
      [5, 'r5'],
      [10, 'r10'],
    ] as const) {
      total[key] += files.slice(0, k).filter((f) => relevant.has(f)).length / relevant.size;
    }
    const firstHit = files.slice(0, 10).findIndex((f) => relevant.has(f));
    total.mrr10 += firstHit >= 0 ? 1 / (firstHit + 1) : 0;
    const sections = (query.relevant_sections ?? []).filter((s) => s.lines);
    let hit = 0;
    for (const r of ranked.slice(0, 5)) {
      if (sections.length) {
        for (const s of sections) {
          const [lo, hi] = s.lines!;
          if (r.path === s.path && (r.startLine ?? 0) <= hi && (r.endLine ?? 0) >= lo) hit = 1;
        }
      } else if (relevant.has(r.path)) hit = 1;
    }
    total.sec5 += hit;
  }
  const n = queries.length || 1;
  const round = (x: number) => Math.round((x / n) * 1e4) / 1e4;
  return {
    ndcg10: round(total.ndcg10),
    r1: round(total.r1),
    r5: round(total.r5),
    r10: round(total.r10),
    mrr10: round(total.mrr10),
    sec5: round(total.sec5),
    queries: queries.length,
    missing,
  };
}
