/**
 * Steps taken by the shell and SQL readers (characters examined, tokens and words visited), counted where each
 * loop or search ends rather than per character. Tests bound a reader's work by its input's length with it instead
 * of timing it: a reader that goes back over text it has already read (the `1111...` number scan that made the SQL
 * lexer quadratic) shows as steps growing faster than the input, on any machine and at any load.
 */
export const readerWork = { steps: 0 };
