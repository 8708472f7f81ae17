/** ANSI escape sequences: CSI (colours, cursor moves), OSC (titles, hyperlinks) and the two-byte forms. */
const ANSI = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]|\x9b[0-?]*[ -/]*[@-~]/g;
const CONTROLS_BUT_LINES = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/g;
const ALL_CONTROLS = /[\x00-\x1f\x7f-\x9f\u2028\u2029]/g;

/**
 * Text from documents, file names and endpoints, made safe to print to a terminal: escape sequences and control
 * characters (which could recolour, move the cursor, retitle the window or hide what follows) are removed; line
 * breaks and tabs stay.
 */
export function terminalSafe(text: string): string {
  return text.replace(ANSI, '').replace(CONTROLS_BUT_LINES, '');
}

/** One value on one line of output (a path, a heading): every control character, line breaks too, is shown escaped. */
export function oneLine(text: string): string {
  return text
    .replace(ANSI, '')
    .replace(ALL_CONTROLS, (c) => (c === '\n' ? '\\n' : c === '\t' ? '\\t' : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
}
