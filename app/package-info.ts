import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The folder holding Lintel's package.json, found from this module (works from source and from dist/). */
export function packageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = path.join(dir, 'package.json');
    if (fs.existsSync(candidate)) {
      const pkg = JSON.parse(fs.readFileSync(candidate, 'utf8')) as { name?: string };
      if (pkg.name === 'lintel') return dir;
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('package-info: cannot find the lintel package.json');
    dir = parent;
  }
}

/** Lintel's version from package.json. */
export function packageVersion(): string {
  return (
    JSON.parse(fs.readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')) as { version: string }
  ).version;
}

/** Where the built console lives. */
export function rendererDir(): string {
  return path.join(packageRoot(), 'dist', 'renderer');
}
