/** Ends a server message as a sentence, so it can be followed by advice. */
export function sentence(text: string): string {
  const t = text.trim();
  return /[.!?…]$/.test(t) ? t : `${t}.`;
}

/** Whole positive ids from a comma- or space-separated list; undefined when something else was typed. */
export function parseIdList(text: string): number[] | undefined {
  const parts = text.split(/[\s,]+/).filter(Boolean);
  const ids = parts.map(Number);
  return ids.every((n) => Number.isInteger(n) && n > 0) ? [...new Set(ids)] : undefined;
}
