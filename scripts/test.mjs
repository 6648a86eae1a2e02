// `npm test`: from a fresh clone to every test, with nothing but Node and npm (and root for the
// Debian packages the browser and serial tests use).
import { build, checkNode, ensureDependencies, ensureSystemPackages, run, step } from './lib/bootstrap.mjs';

const started = Date.now();
checkNode();
ensureSystemPackages(['chromium', 'socat', 'libusb-1.0-0', 'udev', 'slapd', 'ldap-utils']);
if (!ensureDependencies()) build(); // npm ci already built through the prepare script
step('Lint (ESLint with the layout boundaries, Prettier)');
run('npx', ['eslint', '.', '--max-warnings', '0']);
run('npx', ['prettier', '--check', '.', '--log-level', 'warn']);
step('Typecheck (tests, scripts, renderer)');
run('npx', ['tsc', '-p', 'tsconfig.json']);
run('npx', ['tsc', '-p', 'renderer/tsconfig.json']);
step('Electron security check (electronegativity: any HIGH finding fails unless accepted with its reason)');
run('node', ['scripts/electronegativity.mjs']);
step('Tests (vitest: unit, integration, serial pty, browser end-to-end)');
run('npx', ['vitest', 'run', ...process.argv.slice(2)]);
process.stdout.write(`\nAll checks passed in ${((Date.now() - started) / 1000).toFixed(0)} s.\n`);
