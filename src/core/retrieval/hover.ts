/**
 * Hover lookups ignore words found in more than this share of passages (`SearchOptions.maxTermShare`): hovering
 * `int` or `return` in code should not pull up three arbitrary passages. In the C++ docs this drops int, return,
 * class, const and error, and keeps thread, vector, printf and lambda. Its own module, so the extension host's
 * bundle does not take in the search index to read one number.
 */
export const HOVER_MAX_TERM_SHARE = 0.05;
