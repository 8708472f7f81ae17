import type { SecretLintRawSource } from '@secretlint/types';
import { RecentlyUsed } from '../recentlyUsed';

/** A secret-shaped string found in a doc: where (character offsets), and which rule says what it is. */
export interface SecretFinding {
  start: number;
  end: number;
  /** What it looks like, in words: "GitHub token", "private key". */
  kind: string;
}

/** Text with its secrets replaced, and what was replaced. */
export interface Redacted {
  text: string;
  found: SecretFinding[];
}

type SecretlintCore = typeof import('@secretlint/core');
type RecommendedPreset = typeof import('@secretlint/secretlint-rule-preset-recommend');
let loaded: Promise<[SecretlintCore, RecommendedPreset]> | undefined;

/** secretlint is loaded on the first scan: the index, hovers and an offline answer never need it. */
function secretlint(): Promise<[SecretlintCore, RecommendedPreset]> {
  loaded ??= Promise.all([
    import('@secretlint/core'),
    import('@secretlint/secretlint-rule-preset-recommend'),
    import('@secretlint/profiler'),
  ]).then(([core, preset, { secretLintProfiler }]) => {
    // Its profiler marks each rule of each scan in the process-wide performance timeline and keeps every entry:
    // unbounded growth in a server or extension host that scans for hours, and time spent on every scan.
    secretLintProfiler.setEnabled(false);
    return [core, preset];
  });
  return loaded;
}

/**
 * Finds secret-shaped strings (keys, tokens, private keys, connection strings with passwords) with secretlint's
 * recommended rule set, a maintained one, rather than patterns of our own.
 */
export async function findSecrets(text: string): Promise<SecretFinding[]> {
  if (!text) return [];
  const [{ lintSource }, { creator }] = await secretlint();
  const source: SecretLintRawSource = { filePath: 'doc.md', content: text, ext: '.md', contentType: 'text' };
  const result = await lintSource({
    source,
    options: { config: { rules: [{ id: '@secretlint/secretlint-rule-preset-recommend', rule: creator }] }, maskSecrets: false },
  });
  return result.messages
    .map((m) => ({ start: m.range[0], end: m.range[1], kind: kindOf(m.ruleId, m.messageId) }))
    .sort((a, b) => a.start - b.start);
}

/** What a passage says with each secret replaced by `[secret redacted: KIND]`. */
export async function redactDocSecrets(text: string): Promise<Redacted> {
  const found = await findSecrets(text);
  return { text: found.length ? replaceRanges(text, found) : text, found };
}

/** A rule's id and message as words: `@secretlint/secretlint-rule-github` + `GITHUB_TOKEN` → "GitHub token". */
function kindOf(ruleId: string, messageId: string): string {
  const words = messageId
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .replace(/_/g, ' ')
    .toLowerCase()
    .replace(/\bgithub\b/, 'GitHub')
    .replace(/\baws\b/, 'AWS')
    .replace(/\bgcp\b/, 'GCP')
    .replace(/\bnpm\b/, 'npm');
  return words || ruleId.replace(/^@secretlint\/secretlint-rule-/, '');
}

/** One line for the user: how many secrets were redacted and where, e.g. "2 secrets (GitHub token in ops.md:12)". */
export function describeRedactions(where: Array<{ place: string; found: SecretFinding[] }>): string | undefined {
  const all = where.flatMap(({ place, found }) => found.map((f) => `${f.kind} in ${place}`));
  if (!all.length) return undefined;
  const shown = all.slice(0, 3).join(', ') + (all.length > 3 ? `, and ${all.length - 3} more` : '');
  return `${all.length} secret${all.length === 1 ? '' : 's'} redacted before leaving this machine (${shown}).`;
}

/** The lines of each secret in a whole file, to find in a passage that holds only part of one. */
export interface FileSecrets {
  fragments: Array<{ text: string; kind: string }>;
}

/** A secret's lines shorter than this are not looked for alone: "-----END RSA PRIVATE KEY-----" is not secret. */
const MIN_FRAGMENT = 16;

/**
 * The secrets of a whole file as fragments (their lines), so that a passage cut from the middle of one (a private
 * key split over two passages) is redacted too, though secretlint cannot recognise half a key.
 */
export async function secretsOfFile(text: string): Promise<FileSecrets> {
  const fragments: FileSecrets['fragments'] = [];
  for (const secret of await findSecrets(text)) {
    for (const line of text.slice(secret.start, secret.end).split(/\r?\n/)) {
      const piece = line.trim();
      if (piece.length >= MIN_FRAGMENT && !/^-----(BEGIN|END) /.test(piece)) fragments.push({ text: piece, kind: secret.kind });
    }
  }
  return { fragments };
}

/**
 * Whether a passage may hold part of a secret that only its whole file shows (a private key's body, cut from its
 * BEGIN line): a long run of base64 or hex with letters and digits. Only then is the whole file consulted.
 */
function mayHoldSecretPart(text: string): boolean {
  // A scan of character codes: the pattern /[A-Za-z0-9+/=]{32,}/ tried 31 characters from every position.
  let run = 0;
  let digit = false;
  let letter = false;
  for (let i = 0; i <= text.length; i++) {
    const code = i < text.length ? text.charCodeAt(i) : -1;
    const isDigit = code >= 0x30 && code <= 0x39;
    const isLetter = (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a);
    if (isDigit || isLetter || code === 0x2b /* + */ || code === 0x2f /* / */ || code === 0x3d /* = */) {
      run++;
      digit ||= isDigit;
      letter ||= isLetter;
    } else {
      if (run >= 32 && digit && letter) return true;
      run = 0;
      digit = letter = false;
    }
  }
  return false;
}

/** Between passages scanned in one go: no rule's pattern crosses a line of its own like this. */
const SEPARATOR = '\n\n\u241E\u241E\u241E\n\n';

/**
 * Passages with their secrets redacted, each secret placed at its line, and the note that tells the user what was
 * redacted where (undefined when nothing was). All passages are scanned in one pass. With `fileSecrets`, a passage
 * that may hold part of a secret is also cleared of any part its whole file holds.
 */
export async function redactPassages<T extends { path: string; startLine: number; text: string }>(
  passages: readonly T[],
  fileSecrets?: (path: string) => Promise<FileSecrets | undefined>,
): Promise<{ passages: T[]; note?: string }> {
  const places: Array<{ place: string; found: SecretFinding[] }> = [];
  const scans = await scanPassages(passages.map((p) => p.text));
  const byFile = new Map<string, Promise<FileSecrets | undefined>>();
  const out = await Promise.all(
    passages.map(async (passage, i) => {
      const own = scans[i].found;
      const found = own.map((f) => ({ ...f, line: lineAt(passage, passage.text, f.start) }));
      let text = replaceRanges(passage.text, own);
      if (fileSecrets && (own.length ? mayHoldSecretPart(text) : scans[i].mayHoldPart)) {
        if (!byFile.has(passage.path))
          byFile.set(
            passage.path,
            fileSecrets(passage.path).catch(() => undefined),
          );
        for (const fragment of (await byFile.get(passage.path))?.fragments ?? []) {
          const hit = text.indexOf(fragment.text);
          if (hit < 0) continue;
          found.push({ start: hit, end: hit + fragment.text.length, kind: fragment.kind, line: lineAt(passage, text, hit) });
          text = text.split(fragment.text).join(`[secret redacted: ${fragment.kind}]`);
        }
      }
      if (!found.length) return passage;
      // A secret split into several fragments is named once, at its first line.
      const named = new Set<string>();
      for (const secret of found.sort((a, b) => a.line - b.line)) {
        if (named.has(secret.kind)) continue;
        named.add(secret.kind);
        places.push({ place: `${passage.path}:${secret.line}`, found: [secret] });
      }
      return { ...passage, text };
    }),
  );
  return { passages: out, note: describeRedactions(places) };
}

/**
 * What was found in passages scanned lately, by their text (the same passages answer many questions): their
 * secrets, and whether the text may hold part of one its whole file shows (`mayHoldSecretPart`).
 */
interface Scanned {
  found: SecretFinding[];
  mayHoldPart: boolean;
}
const scannedTexts = new RecentlyUsed<string, Scanned>(2048);

/** Each text's scan; the texts not scanned lately are scanned together in one pass of secretlint. */
async function scanPassages(texts: readonly string[]): Promise<Scanned[]> {
  const scans = new Map<string, Scanned>();
  for (const text of texts) {
    const known = scannedTexts.get(text);
    if (known) scans.set(text, known);
  }
  const unseen = [...new Set(texts.filter((text) => !scans.has(text)))];
  if (unseen.length) {
    const all = await findSecrets(unseen.join(SEPARATOR));
    let from = 0;
    for (const text of unseen) {
      const to = from + text.length;
      const found = all.filter((f) => f.start >= from && f.end <= to).map((f) => ({ ...f, start: f.start - from, end: f.end - from }));
      const scan = { found, mayHoldPart: mayHoldSecretPart(text) };
      scans.set(text, scan);
      scannedTexts.set(text, scan);
      from = to + SEPARATOR.length;
    }
  }
  return texts.map((text) => scans.get(text)!);
}

function replaceRanges(text: string, found: SecretFinding[]): string {
  let out = '';
  let at = 0;
  for (const secret of [...found].sort((a, b) => a.start - b.start)) {
    if (secret.start < at) continue;
    out += text.slice(at, secret.start) + `[secret redacted: ${secret.kind}]`;
    at = secret.end;
  }
  return out + text.slice(at);
}

function lineAt(passage: { startLine: number }, text: string, offset: number): number {
  return passage.startLine + (text.slice(0, offset).match(/\n/g)?.length ?? 0);
}
