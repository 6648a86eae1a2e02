import fc from 'fast-check';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { repoRoot, tempDir } from './helpers/temp-site.js';

// scripts/lib/first-run.mjs decides whether `npm start` opens the site, runs the demo or asks which on
// the first run. Nothing here starts Electron, `lintel serve` or the demo: the decisions are pure, the
// question is asked over in-memory streams, and once on a real terminal (util-linux `script`'s pty).

type Choice = 'demo' | 'site';
interface FirstRun {
  splitDemoFlag(args: readonly string[]): { demo: boolean | undefined; rest: string[] };
  firstRunChoice(opts: {
    args: readonly string[];
    siteExists: boolean;
    interactive: boolean;
  }): Choice | 'ask';
  parseFirstRunAnswer(text: string): Choice | undefined;
  askFirstRun(opts: {
    input: NodeJS.ReadableStream;
    output: NodeJS.WritableStream;
    dataDir: string;
  }): Promise<Choice | 'cancelled'>;
  dataDirArg(args: readonly string[]): string | undefined;
  electronUserData(opts?: {
    env?: Record<string, string | undefined>;
    platform?: NodeJS.Platform;
    home?: string;
  }): string;
  FIRST_RUN_QUESTION: string;
}

const firstRun = (await import(
  pathToFileURL(path.join(repoRoot, 'scripts', 'lib', 'first-run.mjs')).href
)) as FirstRun;

/** Arguments `npm start` passes on, without the demo flags. */
const otherArgs = fc.array(
  fc.oneof(
    fc.constantFrom('--port', '9443', '--data-dir', '/tmp/site', '--host', '0.0.0.0', '--no-link'),
    fc.string().filter((s) => s !== '--demo' && s !== '--no-demo'),
  ),
  { maxLength: 6 },
);

describe('the first-run choice of npm start', () => {
  it('asks only on a terminal, only when there is no site, only when no flag decided', () => {
    expect(firstRun.firstRunChoice({ args: [], siteExists: false, interactive: true })).toBe('ask');
    expect(firstRun.firstRunChoice({ args: [], siteExists: true, interactive: true })).toBe('site');
    expect(firstRun.firstRunChoice({ args: [], siteExists: false, interactive: false })).toBe('site');
    expect(firstRun.firstRunChoice({ args: ['--no-demo'], siteExists: false, interactive: true })).toBe(
      'site',
    );
  });

  it('runs the demo when asked to, whatever the site and the terminal', () => {
    fc.assert(
      fc.property(
        otherArgs,
        otherArgs,
        fc.boolean(),
        fc.boolean(),
        (before, after, siteExists, interactive) => {
          const args = [...before, '--demo', ...after];
          expect(firstRun.firstRunChoice({ args, siteExists, interactive })).toBe('demo');
        },
      ),
    );
  });

  it('never asks without a terminal, so scripts and CI behave as before', () => {
    fc.assert(
      fc.property(otherArgs, fc.boolean(), (args, siteExists) => {
        expect(firstRun.firstRunChoice({ args, siteExists, interactive: false })).toBe('site');
      }),
    );
  });

  it('takes the demo flags out of the arguments, the last one winning, and keeps the rest in order', () => {
    expect(firstRun.splitDemoFlag(['--demo', '--port', '9443', '--no-demo'])).toEqual({
      demo: false,
      rest: ['--port', '9443'],
    });
    fc.assert(
      fc.property(otherArgs, fc.array(fc.constantFrom('--demo', '--no-demo')), (args, flags) => {
        const mixed = [...flags, ...args];
        const { demo, rest } = firstRun.splitDemoFlag(mixed);
        expect(rest).toEqual(args);
        expect(demo).toBe(flags.length ? flags.at(-1) === '--demo' : undefined);
      }),
    );
  });
});

describe('the answer to the first-run question', () => {
  it.each([
    ['', 'site'],
    ['1', 'site'],
    [' 1) ', 'site'],
    ['Site', 'site'],
    ['2', 'demo'],
    ['2.', 'demo'],
    ['DEMO\r', 'demo'],
    ['3', undefined],
    ['12', undefined],
    ['yes', undefined],
  ])('reads %j as %s', (text, choice) => {
    expect(firstRun.parseFirstRunAnswer(text)).toBe(choice);
  });

  it('reads any text as the site, the demo or nothing, and only 2 or the word as the demo', () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        const choice = firstRun.parseFirstRunAnswer(text);
        expect([undefined, 'site', 'demo']).toContain(choice);
        if (choice === 'demo') expect(text.trim().toLowerCase()).toMatch(/^(2|demo|try|try demo)[).]?$/);
      }),
    );
  });

  it('ignores the spaces around an answer', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('', '1', '2', 'demo', 'x'),
        fc.stringMatching(/^[ \t]*$/),
        fc.stringMatching(/^[ \t]*$/),
        (answer, before, after) => {
          expect(firstRun.parseFirstRunAnswer(before + answer + after)).toBe(
            firstRun.parseFirstRunAnswer(answer),
          );
        },
      ),
    );
  });
});

/** Asks the question over in-memory streams, typing `typed`; the answer and everything shown. */
async function ask(typed: string, end = false) {
  const input = new PassThrough();
  const output = new PassThrough();
  let shown = '';
  output.on('data', (chunk: Buffer) => (shown += chunk.toString()));
  const answer = firstRun.askFirstRun({ input, output, dataDir: '/home/me/.local/share/lintel' });
  input.write(typed);
  if (end) input.end();
  return { answer: await answer, shown };
}

describe('the first-run question', () => {
  it('names the folder, offers both choices and takes 2 as the demo', async () => {
    const { answer, shown } = await ask('2\n');
    expect(answer).toBe('demo');
    expect(shown).toContain('There is no Lintel site in /home/me/.local/share/lintel yet.');
    expect(shown).toContain(firstRun.FIRST_RUN_QUESTION);
    expect(shown).toContain(
      '2) Try a demo site (sample people and doors, simulated devices; your site is not touched)',
    );
  });

  it('takes Enter as setting up the site', async () => {
    expect((await ask('\n')).answer).toBe('site');
  });

  it('asks again after an answer it does not understand', async () => {
    const { answer, shown } = await ask('maybe\n2\n');
    expect(answer).toBe('demo');
    expect(shown).toContain('Type 1 to set up a new site, or 2 to try the demo site.');
  });

  it('sets up the site as before when the input ends without an answer', async () => {
    expect((await ask('maybe\n', true)).answer).toBe('site');
  });
});

describe('where npm start looks for its site', () => {
  it('reads lintel serve’s --data-dir in both spellings, the last one winning', () => {
    expect(firstRun.dataDirArg(['--port', '9443'])).toBeUndefined();
    expect(firstRun.dataDirArg(['--data-dir', '/a'])).toBe('/a');
    expect(firstRun.dataDirArg(['--data-dir=/b'])).toBe('/b');
    expect(firstRun.dataDirArg(['--data-dir', '/a', '--data-dir=/b'])).toBe('/b');
    expect(firstRun.dataDirArg(['--data-dir'])).toBeUndefined();
  });

  it('finds the desktop app’s userData where Electron puts it on each platform', () => {
    const home = '/home/me';
    expect(firstRun.electronUserData({ env: {}, platform: 'linux', home })).toBe('/home/me/.config/Lintel');
    expect(firstRun.electronUserData({ env: { XDG_CONFIG_HOME: '/cfg' }, platform: 'linux', home })).toBe(
      '/cfg/Lintel',
    );
    expect(firstRun.electronUserData({ env: {}, platform: 'darwin', home })).toBe(
      path.join(home, 'Library', 'Application Support', 'Lintel'),
    );
    expect(
      firstRun.electronUserData({
        env: { APPDATA: 'C:\\Users\\me\\AppData\\Roaming' },
        platform: 'win32',
        home,
      }),
    ).toBe(path.join('C:\\Users\\me\\AppData\\Roaming', 'Lintel'));
  });
});

/**
 * Asks the question on a real terminal (`script` gives the driver a pty), then runs `read` in a child
 * with the terminal inherited, as start.mjs runs `lintel demo` or `lintel serve`. `answer` is typed
 * once the prompt shows, `after` once the child waits.
 */
function onTerminal(answer: string, after: string): Promise<{ code: number | null; shown: string }> {
  const dir = tempDir('lintel-first-run-');
  const driver = path.join(dir, 'driver.mjs');
  fs.writeFileSync(
    driver,
    `import { spawnSync } from 'node:child_process';
import { askFirstRun } from ${JSON.stringify(pathToFileURL(path.join(repoRoot, 'scripts', 'lib', 'first-run.mjs')).href)};
const answer = await askFirstRun({ input: process.stdin, output: process.stdout, dataDir: '/nowhere' });
process.stdout.write('ANSWER ' + answer + '\\n');
if (answer === 'cancelled') process.exit(130);
spawnSync('sh', ['-c', 'echo CHILD-WAITS; read x; echo "CHILD-GOT $x"'], { stdio: 'inherit' });
`,
  );
  const child = spawn(
    'script',
    ['-qec', `${JSON.stringify(process.execPath)} ${JSON.stringify(driver)}`, '/dev/null'],
    {
      stdio: ['pipe', 'pipe', 'inherit'],
    },
  );
  let shown = '';
  const steps = [
    { when: 'Choose 1 or 2', type: answer },
    { when: 'CHILD-WAITS', type: after },
  ];
  child.stdout.on('data', (chunk: Buffer) => {
    shown += chunk.toString();
    while (steps[0] && shown.includes(steps[0].when)) child.stdin.write(steps.shift()!.type);
  });
  return new Promise((resolve) =>
    child.on('exit', (code) => {
      fs.rmSync(dir, { recursive: true, force: true });
      resolve({ code, shown });
    }),
  );
}

describe.runIf(process.platform === 'linux' && fs.existsSync('/usr/bin/script'))(
  'the first-run question on a real terminal',
  () => {
    it('hands the terminal to the next process once answered', async () => {
      const { code, shown } = await onTerminal('2\r', 'hello\r');
      expect(shown).toContain('ANSWER demo');
      expect(shown).toContain('CHILD-GOT hello');
      expect(code).toBe(0);
    });

    it('stops on Ctrl-C', async () => {
      const { code, shown } = await onTerminal('\x03', '');
      expect(shown).toContain('ANSWER cancelled');
      expect(code).toBe(130);
    });
  },
);
