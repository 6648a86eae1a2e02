/** One line of `npm run bench` output. */
export interface BenchResult {
  name: string;
  value: number;
  unit: string;
  /** The same work done by the reference (plain SQLite, plain UDP, the wire limit) in the same run. */
  baseline?: number;
  /** value / baseline: the figure compared against the target (machines here are shared and noisy). */
  ratio?: number;
  /** The ratio this result should reach. */
  target?: number;
  /** An absolute ceiling the value must stay under (a latency budget from an issue). */
  limit?: number;
  /** An absolute floor the value must reach (a throughput from an issue). */
  floor?: number;
  /** What was measured, in a sentence. */
  note?: string;
}

/** The median of a list of numbers. */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** A result compared with its baseline. */
export function compared(
  name: string,
  unit: string,
  value: number,
  baseline: number,
  target: number | undefined,
  note: string,
): BenchResult {
  const round = (x: number) => Math.round(x * 1000) / 1000;
  return {
    name,
    value: Math.round(value),
    unit,
    baseline: Math.round(baseline),
    ratio: round(value / baseline),
    ...(target ? { target } : {}),
    note,
  };
}
