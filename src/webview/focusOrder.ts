/**
 * Keyboard order in reading order. The log sits above the ask box, so the browser's own order would take Tab from
 * the box out of the panel and Shift+Tab to the far end of the log. Here Tab goes: ask box, its buttons, the newest
 * answer's controls, then older turns, newest first; Shift+Tab walks the same way back, and from the ask box goes
 * into the newest answer (its last control), since that is the text the reader just read.
 */

const FOCUSABLE = 'textarea, button:not([hidden]):not([disabled]), a[href], summary, [tabindex]:not([tabindex="-1"])';

/** The controls a turn offers to the keyboard, skipping the insides of a collapsed sources box. */
export function focusableIn(turn: Element): HTMLElement[] {
  return [...turn.querySelectorAll<HTMLElement>(FOCUSABLE)].filter((el) => {
    const closedBox = el.closest('details:not([open])');
    return !closedBox || (el.tagName === 'SUMMARY' && el.parentElement === closedBox);
  });
}

/** The whole order: the ask box and its visible buttons, then each turn's controls, newest turn first. */
export function readingOrder(composer: Element, log: Element): HTMLElement[] {
  const box = [...composer.querySelectorAll<HTMLElement>('textarea, button:not([hidden])')];
  const turns = [...log.querySelectorAll('article')].reverse();
  return [...box, ...turns.flatMap(focusableIn)];
}

/** Where a Tab goes: focus `target`; with `leave`, the browser's own Tab then continues from it out of the panel. */
export interface FocusMove {
  target: HTMLElement;
  leave: boolean;
}

/**
 * Where Tab (or Shift+Tab) from `current` goes, or undefined to leave it to the browser. `askBox` is the question
 * box, whose Shift+Tab goes into the newest answer; Shift+Tab from the newest answer's first control leaves the
 * panel, so no direction is a trap. `everything` is every control in document order, to leave from its ends.
 */
export function nextInOrder(
  order: HTMLElement[],
  everything: HTMLElement[],
  current: Element,
  backwards: boolean,
  askBox: Element,
): FocusMove | undefined {
  const at = order.indexOf(current as HTMLElement);
  if (at < 0) return undefined;
  const newest = order.find((el) => el.closest('article'))?.closest('article');
  const newestControls = newest ? order.filter((el) => el.closest('article') === newest) : [];
  if (!backwards) {
    if (at + 1 < order.length) return { target: order[at + 1], leave: false };
    const last = everything.at(-1);
    return last ? { target: last, leave: true } : undefined;
  }
  if (current === askBox) return newestControls.length ? { target: newestControls.at(-1)!, leave: false } : undefined;
  if (current === newestControls[0]) {
    const first = everything[0];
    return first ? { target: first, leave: true } : undefined;
  }
  return at > 0 ? { target: order[at - 1], leave: false } : undefined;
}
