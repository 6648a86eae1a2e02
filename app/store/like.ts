/** Escapes LIKE's wildcards so typed text matches literally (queries use `ESCAPE '\'`). */
function literal(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** A LIKE pattern for "contains this text". */
export function likeContains(s: string): string {
  return `%${literal(s)}%`;
}

/** A LIKE pattern for "starts with this text". */
export function likePrefix(s: string): string {
  return `${literal(s)}%`;
}
