import type { SearchResult } from '../types';

/** A passage sent to the model as source [n]. */
export interface Source {
  n: number;
  path: string;
  startLine: number;
  endLine: number;
  heading: string;
  text: string;
  /** The workspace folder's root, when results come from several folders. */
  root?: string;
  folder?: string;
  /** The question's words this passage holds, as written (see `matchedWords`): why search found it. */
  matches?: string[];
}

/** The lines of a source that support one cited sentence. */
export interface Evidence {
  /** The source the marker cites. */
  n: number;
  /** 1-based, inclusive, inside the source's passage. */
  startLine: number;
  endLine: number;
  /** False when no line shares a term with the sentence: the evidence is then the whole passage. */
  matched: boolean;
  /**
   * How far the cited passage says the sentence (see `CitationGrader`): an `unsupported` citation has no evidence
   * lines (the range is the passage) and is shown as such. Absent in answers kept from before grading.
   */
  grade?: 'supported' | 'weak' | 'unsupported';
  /** The share of the sentence's weighted content the passage holds, 0 to 1. */
  support?: number;
  /** Another source sent with the question that supports the sentence, when this one does not. */
  betterSource?: number;
  /** Set when the configured reranker settled a weak grade (see `reviewWeakCitations`): its name. */
  checkedBy?: string;
}

/** Declared once, with the panel's protocol, which shows it. */
export type { Verdict } from '../../shared/protocol';
import type { Verdict } from '../../shared/protocol';

export interface ChatTurn {
  role: 'user' | 'assistant';
  content: string;
}

export interface Usage {
  promptTokens: number;
  completionTokens: number;
  /** Undefined when the model's price is unknown. */
  estimatedCostUsd?: number;
}

export interface Answer {
  answer: string;
  verdict: Verdict;
  sources: Source[];
  /** Source numbers cited in the answer, in order of first use. */
  citations: number[];
  /** Markers the model wrote that match no source; removed from the answer. */
  removedCitations: number[];
  provider: string;
  model?: string;
  styleModel?: string;
  usage: Usage;
  /** One-line notes for the user: why an answer was abstained, a rejected restyle, a retry. */
  notes: string[];
  /** When the docs don't cover the question: the nearest sections, so the user can look or ask anyway. */
  nearest?: Source[];
  /** How many files were searched. */
  searchedFiles: number;
  /** For each `[n]` marker of the answer, in order: the lines of source n that support its sentence. */
  evidence?: Evidence[];
}

export type RetrievedResult = SearchResult & { root?: string; folder?: string };
