/**
 * A plain word found in more than this share of passages says nothing about any one of them: looking up `int` or
 * `return` from code should not pull up three arbitrary passages (`SearchOptions.maxTermShare`). In the C++ docs this
 * drops int, return, class, const and error, and keeps thread, vector, printf and lambda. Its own module, so the
 * extension host's bundle does not take in the search index to read one number.
 */
export const COMMON_TERM_SHARE = 0.05;
