import type { Verdict } from './protocol';

/**
 * What a reader is told about an answer, in one wording for every surface that shows it (the panel, Copy,
 * `@groundwork`): a partly grounded answer says whether citations fail their sentences or sentences cite nothing.
 */
export function verdictLabel(verdict: Verdict, unsupportedCitations = 0): string {
  switch (verdict) {
    case 'grounded':
      return 'Grounded in your docs';
    case 'partly-grounded':
      return unsupportedCitations
        ? `Partly grounded: ${unsupportedCitations} citation${unsupportedCitations === 1 ? ' does' : 's do'} not support ${unsupportedCitations === 1 ? 'its sentence' : 'their sentences'}`
        : 'Partly grounded: some statements have no citation';
    case 'not-in-docs':
      return 'Not in your docs';
    case 'offline-extract':
      return 'Offline extract';
    default:
      return verdict;
  }
}
