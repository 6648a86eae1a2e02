import { useMemo, useRef } from 'react';

/** Numbers the reads that replace what a screen shows, so only the latest one's answer is shown. */
export interface Latest {
  /** Starts a read; keep the ticket until its answer arrives. */
  take(): number;
  /** Whether no read was started since this ticket (an older answer must not overwrite a newer one). */
  is(ticket: number): boolean;
  /**
   * Starts a read and shows its answer (or its failure) only if no newer read has started since;
   * resolves to the answer either way, undefined when it failed.
   */
  read<T>(
    start: () => Promise<T>,
    show: (value: T) => void,
    fail: (err: unknown) => void,
  ): Promise<T | undefined>;
}

/**
 * Answers can arrive out of order (a slow first load after a refresh, a page of the previous filter):
 * a screen checks its ticket before showing one.
 */
export function useLatest(): Latest {
  const counter = useRef(0);
  return useMemo(() => {
    const take = () => ++counter.current;
    const is = (ticket: number) => ticket === counter.current;
    return {
      take,
      is,
      // A promise chain rather than async/await, so that no state is set before the first answer arrives.
      read: <T>(start: () => Promise<T>, show: (value: T) => void, fail: (err: unknown) => void) => {
        const ticket = take();
        return start().then(
          (value) => {
            if (is(ticket)) show(value);
            return value;
          },
          (err: unknown) => {
            if (is(ticket)) fail(err);
            return undefined;
          },
        );
      },
    };
  }, []);
}
