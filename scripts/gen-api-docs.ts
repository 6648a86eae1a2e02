// Writes docs/api.md from the contract (the same OpenRPC document rpc.discover returns).
import fs from 'node:fs';
import path from 'node:path';
import { packageRoot, packageVersion } from '../app/package-info.js';
import { renderApiMarkdown } from '../app/rpc/api-markdown.js';
import { buildOpenRpc } from '../app/rpc/openrpc.js';

const file = path.join(packageRoot(), 'docs', 'api.md');
fs.writeFileSync(file, renderApiMarkdown(buildOpenRpc(packageVersion())));
console.log(`wrote ${path.relative(process.cwd(), file)}`);
