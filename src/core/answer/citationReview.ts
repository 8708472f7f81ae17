import { passageText, type Reranker, type RerankUsage } from '../rerank/reranker';
import { redactDocSecrets } from '../secrets/redactSecrets';
import { redactSecrets } from '../text/redact';
import { citedSentencesOf } from './evidence';
import type { Answer, Source } from './types';
import { capitalized } from '../text/capitalized';

export interface CitationReview {
  /** What the check cost (a chat model's tokens; an endpoint reports none). */
  usage?: RerankUsage;
}

/**
 * The citations the wording alone could not settle (graded weak), put to the configured reranker, all at once: one
 * that says the sentence becomes supported, one that does not becomes unsupported (no evidence lines). The answer
 * says what was checked and by whom. A failure keeps the lexical grades and says why; cancellation propagates.
 * Only where a reranker is configured: the offline default never depends on a model for its grades.
 */
export async function reviewWeakCitations(
  answer: Answer,
  reranker: Reranker,
  options: { signal?: AbortSignal; timeoutMs: number; redactSecrets?: boolean },
): Promise<CitationReview> {
  const evidence = answer.evidence ?? [];
  const byNumber = new Map(answer.sources.map((s) => [s.n, s]));
  // The same sentences alignEvidence graded, in the same order (markers naming no source were skipped there too).
  const sentences = citedSentencesOf(answer.answer).filter(({ n }) => byNumber.has(n));
  const weak = evidence.flatMap((e, i) => (e.grade === 'weak' && sentences[i]?.n === e.n ? [i] : []));
  if (!weak.length || !reranker.checkSupport) return {};

  const passages = await Promise.all(answer.sources.map((source) => sentText(source, options.redactSecrets !== false)));
  const questions = weak.map((i) => ({
    sentence: sentences[i].sentence,
    passages,
    cited: answer.sources.findIndex((s) => s.n === evidence[i].n),
  }));
  const timeout = AbortSignal.timeout(options.timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  const which = `${weak.length} citation${weak.length === 1 ? '' : 's'} the wording alone could not settle`;
  try {
    const verdicts = await reranker.checkSupport(questions, signal);
    let refuted = 0;
    weak.forEach((i, k) => {
      const entry = evidence[i];
      entry.checkedBy = reranker.name;
      if (verdicts.supported[k]) entry.grade = 'supported';
      else {
        refuted++;
        const source = byNumber.get(entry.n)!;
        Object.assign(entry, { grade: 'unsupported', matched: false, startLine: source.startLine, endLine: source.endLine });
      }
    });
    const requests = `${verdicts.requests} request${verdicts.requests === 1 ? '' : 's'}`;
    answer.notes.push(
      `${capitalized(which)} ${weak.length === 1 ? 'was' : 'were'} checked by ${reranker.name} (${requests}): ${weak.length - refuted} supported, ${refuted} not.`,
    );
    return { usage: verdicts.usage };
  } catch (error) {
    if (options.signal?.aborted) throw error;
    const reason = timeout.aborted ? `no reply after ${Math.round(options.timeoutMs / 1000)} s` : redactSecrets((error as Error).message);
    answer.notes.push(`The ${which} were not checked by ${reranker.name} (${reason}); they stay marked as partly supported.`);
    return { usage: (error as { usage?: RerankUsage }).usage };
  }
}

/** A passage as it leaves the machine for the check: heading and text, secrets redacted unless the user turned that off. */
async function sentText(source: Source, redact: boolean): Promise<string> {
  const text = passageText({ text: source.text, headingPath: source.heading ? [source.heading] : [] });
  return redact ? (await redactDocSecrets(text)).text : text;
}
