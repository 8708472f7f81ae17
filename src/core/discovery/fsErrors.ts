/** A file-system error in words a user reads in a skip reason. */
export function describeFsError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException)?.code;
  if (code === 'ENOENT') return 'file not found';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'is a directory';
  if (code === 'ENAMETOOLONG') return 'name too long';
  // A system message quotes the path; one thousands of characters long is cut in the middle.
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/'([^']{200,})'/g, (_, p: string) => `'${p.slice(0, 90)}…${p.slice(-90)}'`);
}
