/** What the shell's `failure` said of each error a read threw (see {@link saying}). */
const said = new WeakMap<object, string | undefined>();

/**
 * Runs a read for TanStack Query and, when it fails, asks `failure` for the words once, where the
 * error happens: `failure` may leave for the login screen, which must never happen during a render.
 * The error is rethrown as it was, so the query's retry rules still see it.
 */
export async function saying<T>(
  failure: (err: unknown) => string | undefined,
  read: () => Promise<T>,
): Promise<T> {
  try {
    return await read();
  } catch (err) {
    if (typeof err === 'object' && err !== null) said.set(err, failure(err));
    throw err;
  }
}

/** The words `failure` gave for a read's error; undefined for none (or a session that ended). */
export function saidOf(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null ? said.get(err) : undefined;
}
