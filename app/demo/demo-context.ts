import type { DemoParts, Part } from './demo-parts.js';
import type { DemoState } from './demo-state.js';
import type { SiteRpc } from './site-rpc.js';

/** What each strand of the demo's start works with. */
export interface DemoContext {
  rpc: SiteRpc;
  parts: DemoParts;
  dataDir: string;
  state: DemoState;
  /** The first start in this folder (devices enrol, join and get initialised). */
  first: boolean;
  say: (line: string) => void;
  /** The card files every simulator shares (the NCoder writes them, readers and locks read them). */
  cards: string;
}

/** Types a line at a part and waits for the line that answers it (after what was there). */
export async function ask(part: Part, line: string, answer: RegExp, ms = 30_000): Promise<RegExpExecArray> {
  const mark = part.mark();
  part.send(line);
  return part.waitFor(answer, mark, ms);
}
