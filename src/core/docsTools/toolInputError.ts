/** A tool input an agent got wrong: the message says what to send instead. */
export class ToolInputError extends Error {}
