import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './helpers/temp-site.js';

const eslint = new ESLint({ cwd: repoRoot });

async function restricted(filePath: string, code: string): Promise<boolean> {
  const [result] = await eslint.lintText(`${code}\nexport const used = x;\n`, {
    filePath: `${repoRoot}/${filePath}`,
  });
  return result!.messages.some((m) => m.ruleId === 'no-restricted-imports');
}

// The layout rules of ../shared/ARCHITECTURE.md, checked against the real ESLint config.
const cases: [string, string, boolean][] = [
  ['renderer/src/x.tsx', "import { x } from '../../app/contract/index.js';", false],
  ['renderer/src/x.tsx', "import { x } from '../../app/store/sqlite.js';", true],
  ['renderer/src/x.tsx', "import { x } from '../../main/ipc.js';", true],
  ['renderer/src/x.tsx', "import { x } from '../../native/serial-port.js';", true],
  ['renderer/src/x.tsx', "import { x } from 'node:fs';", true],
  ['renderer/src/x.tsx', "import { x } from 'electron';", true],
  ['app/service/x.ts', "import { x } from 'electron';", true],
  ['app/service/x.ts', "import { x } from 'serialport';", true],
  ['app/service/x.ts', "import { x } from 'node-hid';", true],
  ['app/service/x.ts', "import { x } from 'node:fs';", false],
  ['app/contract/x.ts', "import { x } from 'node:crypto';", true],
  ['app/contract/x.ts', "import { x } from 'crypto';", true],
  ['app/contract/x.ts', "import { x } from '../store/sqlite.js';", true],
  ['app/contract/x.ts', "import { x } from './errors.js';", false],
  ['app/contract/methods/x.ts', "import { x } from '../schemas.js';", false],
  ['app/contract/methods/x.ts', "import { x } from '../../service/service.js';", true],
  ['app/contract/x.ts', "import { x } from 'zod';", false],
  ['main/x.ts', "import { x } from 'node-hid';", true],
  ['main/x.ts', "import { x } from 'electron';", false],
  ['native/x.ts', "import { x } from 'serialport';", false],
  ['native/x.ts', "import { x } from 'electron';", true],
];

describe('layout boundaries (ESLint no-restricted-imports)', () => {
  it.each(cases)('%s: %s → restricted %s', async (file, code, expected) => {
    expect(await restricted(file, code)).toBe(expected);
  });
});
