/** The pages (of `pageSize` rows) that cover rows `first`…`last` (inclusive), in order. */
export function pagesCovering(first: number, last: number, pageSize: number): number[] {
  if (last < first || last < 0) return [];
  const from = Math.floor(Math.max(0, first) / pageSize);
  const to = Math.floor(last / pageSize);
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

/** Row `index` from the pages loaded so far, or undefined while its page is on its way. */
export function rowAt<T>(
  pages: ReadonlyMap<number, readonly T[]>,
  index: number,
  pageSize: number,
): T | undefined {
  return pages.get(Math.floor(index / pageSize))?.[index % pageSize];
}
