// `npm start`'s first-run question: set up a new site, or try the demo site (`lintel demo`) instead.
// Only Node built-ins here, like bootstrap.mjs: the decisions are pure so that they can be tested
// without starting Electron, `lintel serve` or the demo.
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';

/**
 * Takes `--demo` and `--no-demo` out of `npm start`'s arguments (the last one given wins), so that
 * neither reaches `lintel serve` or Electron, which do not know them.
 * @param {readonly string[]} args
 * @returns {{ demo: boolean | undefined, rest: string[] }}
 */
export function splitDemoFlag(args) {
  let demo;
  const rest = [];
  for (const arg of args) {
    if (arg === '--demo') demo = true;
    else if (arg === '--no-demo') demo = false;
    else rest.push(arg);
  }
  return { demo, rest };
}

/**
 * What `npm start` does: the demo or the site when the arguments say so; otherwise the site, except on
 * the very first run at a terminal, where it asks. Scripts and CI (no terminal) are never asked, so
 * `npm start` there behaves as it always did.
 * @param {{ args: readonly string[], siteExists: boolean, interactive: boolean }} opts
 * @returns {'demo' | 'site' | 'ask'}
 */
export function firstRunChoice({ args, siteExists, interactive }) {
  const { demo } = splitDemoFlag(args);
  if (demo !== undefined) return demo ? 'demo' : 'site';
  if (siteExists || !interactive) return 'site';
  return 'ask';
}

/**
 * Reads an answer to the first-run question: Enter or 1 sets up the site, 2 tries the demo; the words
 * themselves are understood too. Anything else is undefined, so the question is asked again.
 * @param {string} text
 * @returns {'demo' | 'site' | undefined}
 */
export function parseFirstRunAnswer(text) {
  const answer = text.trim().toLowerCase().replace(/[).]$/, '');
  if (['', '1', 'site', 'new', 'setup', 'set up'].includes(answer)) return 'site';
  if (['2', 'demo', 'try', 'try demo'].includes(answer)) return 'demo';
  return undefined;
}

/** The question, as the terminal shows it. */
export const FIRST_RUN_QUESTION =
  '  1) Set up a new site\n' +
  '  2) Try a demo site (sample people and doors, simulated devices; your site is not touched)\n';

/**
 * Asks the first-run question on a terminal until it gets an answer it understands. The end of the
 * input (Ctrl-D) keeps to what `npm start` did before the question existed: the site. Ctrl-C is
 * 'cancelled', for the caller to stop on.
 * @param {{ input: NodeJS.ReadableStream, output: NodeJS.WritableStream, dataDir: string }} opts
 * @returns {Promise<'demo' | 'site' | 'cancelled'>}
 */
export function askFirstRun({ input, output, dataDir }) {
  const rl = readline.createInterface({ input, output });
  const prompt = 'Choose 1 or 2 [1]: ';
  output.write(`\nThere is no Lintel site in ${dataDir} yet.\n${FIRST_RUN_QUESTION}`);
  return new Promise((resolve) => {
    let settled = false;
    const finish = (choice) => {
      if (settled) return;
      settled = true;
      rl.close();
      resolve(choice);
    };
    rl.on('line', (line) => {
      const choice = parseFirstRunAnswer(line);
      if (choice) return finish(choice);
      output.write('Type 1 to set up a new site, or 2 to try the demo site.\n');
      rl.setPrompt(prompt);
      rl.prompt();
    });
    // Only a terminal raises SIGINT here: readline holds Ctrl-C while it reads the line.
    rl.on('SIGINT', () => {
      output.write('\n');
      finish('cancelled');
    });
    rl.on('close', () => finish('site'));
    rl.setPrompt(prompt);
    rl.prompt();
  });
}

/**
 * The `--data-dir` given to `lintel serve` through `npm start -- --data-dir D` (or `--data-dir=D`), or
 * undefined. Commander takes the last one when it is repeated, and so does this.
 * @param {readonly string[]} args
 * @returns {string | undefined}
 */
export function dataDirArg(args) {
  let dir;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--data-dir' && i + 1 < args.length) dir = args[++i];
    else if (arg.startsWith('--data-dir=')) dir = arg.slice('--data-dir='.length);
  }
  return dir;
}

/**
 * Electron's userData folder for Lintel, worked out without Electron: main/main.ts sets it to
 * `<appData>/Lintel`, and appData is what Electron's app.getPath('appData') gives on each platform.
 * @param {{ env?: Record<string, string | undefined>, platform?: NodeJS.Platform, home?: string }} [opts]
 * @returns {string}
 */
export function electronUserData({
  env = process.env,
  platform = process.platform,
  home = os.homedir(),
} = {}) {
  let appData;
  if (platform === 'win32') appData = env.APPDATA ?? path.join(home, 'AppData', 'Roaming');
  else if (platform === 'darwin') appData = path.join(home, 'Library', 'Application Support');
  else appData = env.XDG_CONFIG_HOME ?? path.join(home, '.config');
  return path.join(appData, 'Lintel');
}
