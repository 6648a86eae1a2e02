import type { QueryClient, QueryKey } from '@tanstack/react-query';

/**
 * Reads a cached list again soon after a live event, at most once per `everyMs`: a burst of events
 * (a control unit reporting often) costs one read. `request()` asks for a read; `stop()` cancels one
 * still waiting (the screen went away).
 */
export function throttledReread(queryClient: QueryClient, queryKey: QueryKey, everyMs: number) {
  let last = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const reread = () => {
    timer = undefined;
    last = Date.now();
    void queryClient.invalidateQueries({ queryKey, exact: true });
  };
  return {
    request() {
      if (timer) return;
      timer = setTimeout(reread, Math.max(0, last + everyMs - Date.now()));
    },
    stop() {
      if (timer) clearTimeout(timer);
    },
  };
}
