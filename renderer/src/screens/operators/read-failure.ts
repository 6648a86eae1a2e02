/** The words for a failed read, by the error (kept as it is, so retrying still sees it). */
const readFailures = new WeakMap<object, string | undefined>();

/**
 * A query function whose failure is worded as it fails, not while rendering: `failure` may leave the
 * console (the session has ended), which must not happen during a render. {@link readFailure} gives
 * the words back.
 */
export function worded<T>(read: () => Promise<T>, failure: (err: unknown) => string | undefined) {
  return () =>
    read().catch((err: unknown) => {
      if (typeof err === 'object' && err !== null) readFailures.set(err, failure(err));
      throw err;
    });
}

/** The words of a read that failed through {@link worded}; undefined for none. */
export function readFailure(error: Error | null | undefined): string | undefined {
  return error ? readFailures.get(error) : undefined;
}
