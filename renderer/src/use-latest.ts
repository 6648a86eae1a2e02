import { useMemo, useRef } from 'react';

/** Numbers the reads that replace what a screen shows, so only the latest one's answer is shown. */
export interface Latest {
  /** Starts a read; keep the ticket until its answer arrives. */
  take(): number;
  /** Whether no read was started since this ticket (an older answer must not overwrite a newer one). */
  is(ticket: number): boolean;
}

/**
 * Answers can arrive out of order (a slow first load after a refresh, a page of the previous filter):
 * a screen checks its ticket before showing one.
 */
export function useLatest(): Latest {
  const counter = useRef(0);
  return useMemo(
    () => ({
      take: () => ++counter.current,
      is: (ticket: number) => ticket === counter.current,
    }),
    [],
  );
}
