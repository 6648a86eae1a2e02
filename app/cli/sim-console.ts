import readline from 'node:readline';

/** How a simulator's console runs. */
export interface SimConsoleOptions {
  input: NodeJS.ReadableStream;
  out: NodeJS.WritableStream;
  /**
   * One typed line: answers what to print (nothing for undefined), or throws what went wrong, printed as
   * `error: …`. Lines run one at a time, in order, so a slow one (a card presentation, a radio exchange)
   * never overlaps the next.
   */
  run: (line: string) => Promise<string | undefined> | string | undefined;
  /** Keep running when the input ends (a simulator left in the background): only a signal stops it. */
  untilSignal?: boolean;
  /** Something else that ends the console (a serial port gone): call `stop(err)`; answer how to unsubscribe. */
  alsoStopOn?: (stop: (err?: Error) => void) => () => void;
}

/**
 * The console every simulator (`lintel sim …`) shares: commands on stdin, answers on stdout. Runs until
 * SIGINT/SIGTERM, the end of the input (unless `untilSignal`) or `alsoStopOn`; resolves once the last
 * line's work has finished, with the error `alsoStopOn` gave, if any.
 */
export async function runSimConsole(o: SimConsoleOptions): Promise<Error | undefined> {
  const say = (line: string) => o.out.write(`${line}\n`);
  let busy: Promise<void> = Promise.resolve();
  const rl = readline.createInterface({ input: o.input, terminal: false });
  rl.on('line', (line) => {
    busy = busy.then(async () => {
      try {
        const text = await o.run(line);
        if (text) say(text);
      } catch (err) {
        say(`error: ${err instanceof Error ? err.message : String(err)}`);
      }
    });
  });
  const lost = await new Promise<Error | undefined>((resolve) => {
    let stopping = false;
    let unsubscribe = () => {};
    const stop = (why?: unknown) => {
      if (stopping) return;
      stopping = true;
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      unsubscribe();
      rl.close();
      resolve(why instanceof Error ? why : undefined);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    if (!o.untilSignal) rl.on('close', () => stop());
    if (o.alsoStopOn) unsubscribe = o.alsoStopOn((err) => stop(err));
  });
  o.input.pause?.();
  await busy;
  return lost;
}
