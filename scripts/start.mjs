// `npm start`: the desktop app where Electron can run; otherwise the same console over HTTPS.
import { spawn } from 'node:child_process';
import path from 'node:path';
import {
  build,
  checkNode,
  electronBinary,
  ensureDependencies,
  hasDisplay,
  root,
  step,
} from './lib/bootstrap.mjs';

checkNode();
const installed = ensureDependencies();
if (!installed) build(); // npm ci already built through the prepare script

const args = process.argv.slice(2);
const electron = electronBinary();
let child;
if (electron && hasDisplay()) {
  step('Starting the Lintel desktop app (Electron)');
  child = spawn(electron, ['.', ...args], { cwd: root, stdio: 'inherit' });
} else {
  const why = electron
    ? 'there is no display (DISPLAY/WAYLAND_DISPLAY unset)'
    : 'the Electron binary is not installed (its download needs internet: run `node node_modules/electron/install.js` where you have it)';
  step(`Serving the console over HTTPS instead of opening a window: ${why}`);
  child = spawn(process.execPath, [path.join(root, 'bin', 'lintel.js'), 'serve', ...args], {
    cwd: root,
    stdio: 'inherit',
  });
}
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
