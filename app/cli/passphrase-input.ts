import fs from 'node:fs';
import readline from 'node:readline';
import { KeyCustodyError } from '../keys/errors.js';

/** Reads a line from the terminal without echoing it. */
export function promptHidden(question: string): Promise<string> {
  if (!process.stdin.isTTY) {
    return Promise.reject(
      new KeyCustodyError(
        'PASSPHRASE_REQUIRED',
        'a passphrase is needed: set LINTEL_PASSPHRASE or pass --passphrase-file PATH',
      ),
    );
  }
  return new Promise((resolve) => {
    const rl = readline.createInterface({ input: process.stdin, output: process.stderr, terminal: true });
    const rlOut = rl as unknown as { _writeToOutput: (s: string) => void };
    process.stderr.write(question);
    rlOut._writeToOutput = () => {};
    rl.question('', (answer) => {
      rl.close();
      process.stderr.write('\n');
      resolve(answer);
    });
  });
}

/** Reads a passphrase from a file (first line), failing clearly if the file is missing. */
export function readPassphraseFile(file: string): string {
  if (!fs.existsSync(file))
    throw new KeyCustodyError('PASSPHRASE_REQUIRED', `passphrase file ${file} does not exist`);
  return fs.readFileSync(file, 'utf8').split(/\r?\n/)[0] ?? '';
}

/**
 * A passphrase getter that asks once: from `file`, else the environment variable, else the terminal
 * (twice when `confirm`, for a new passphrase).
 */
export function passphraseGetter(opts: {
  file?: string;
  envVar: string;
  prompt: string;
  confirm?: boolean;
}): () => Promise<string> {
  let cached: Promise<string> | undefined;
  return () => {
    cached ??= (async () => {
      if (opts.file) return readPassphraseFile(opts.file);
      const fromEnv = process.env[opts.envVar];
      if (fromEnv) return fromEnv;
      const first = await promptHidden(opts.prompt);
      if (opts.confirm && (await promptHidden('Type it again: ')) !== first) {
        throw new KeyCustodyError('PASSPHRASE_REQUIRED', 'the two passphrases differ');
      }
      return first;
    })();
    return cached;
  };
}
