// The console in a real browser (Debian's Chromium under playwright-core) against the built
// `lintel serve`: first-run setup, login, live rename over SSE, cookie hygiene, CSP, logout; roles,
// operators, a forced password change, the directory form and the audit log; the Encoder screen
// against a `lintel sim ncoder` whose cards are placed and taken away through its stdin; a control unit
// (`lintel sim cu`, with a `lintel sim reader` on a pty pair) registered, paired and commanded from the
// console, its state and its door's events arriving live; the Offline locks screen pairing a `lintel sim
// ppd` on a pty, loading a round for the offline door, and syncing back a `lintel sim lock`'s visit.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AxeBuilder } from '@axe-core/playwright';
import {
  chromium,
  type Browser,
  type BrowserContext,
  type Locator,
  type Page,
  type Route,
} from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  requireBuild,
  startDevice,
  startServe,
  startSimCu,
  startSimLock,
  startSimNcoder,
  startSimPpd,
  startSimReader,
  type DeviceProcess,
  type ServeProcess,
  type SimNcoderProcess,
} from '../helpers/lintel-process.js';
import { ptyPair, type PtyPair } from '../helpers/pty-pair.js';
import { repoRoot } from '../helpers/temp-site.js';

const CHROMIUM = '/usr/bin/chromium';
const SHOTS = path.join(repoRoot, 'docs', 'screenshots');
const ADMIN = {
  username: 'admin',
  displayName: 'Site Administrator',
  password: 'correct horse battery staple',
};
const FRONTDESK = {
  username: 'frontdesk',
  displayName: 'Front Desk',
  temporary: 'temporary passphrase 1',
  password: 'front desk own passphrase',
};

/** The sections of cardholders, the encoder and the access model, which the built-in operator role sees too. */
const ACCESS_SECTIONS = [
  'Users',
  'Encoder',
  'Time periods',
  'Calendars',
  'Zones',
  'Doors',
  'Gateways and control units',
  'Offline locks',
  'RF locks',
  'Mobile keys',
  'Access levels',
  'Events',
];

/** One /rpc exchange the page made, as the browser received it. */
interface RpcExchange {
  method: string;
  body: Promise<string>;
}

/** What every page in the test saw that it should not have. */
const problems: string[] = [];
const exchanges: RpcExchange[] = [];

let tmp: string;
let serve: ServeProcess | undefined;
let sim: SimNcoderProcess | undefined;
/** The UDP port of serve's device link, as it printed it. */
let linkPort: number;
/** The online-doors block's reader, control unit and the pty pair between them, while they run. */
const devicesRunning: { reader?: DeviceProcess; cu?: DeviceProcess; line?: PtyPair } = {};
/** The RF block's air, control unit and lock, and the mobile block's relay and phone, while they run. */
const rfRunning: { air?: DeviceProcess; cu?: DeviceProcess; lock?: DeviceProcess } = {};
const mobileRunning: { relay?: DeviceProcess; phone?: DeviceProcess } = {};
/** The offline-locks block's PPD, lock and the serial lines to them, while they run. */
const locksRunning: { ppd?: DeviceProcess; lock?: DeviceProcess; ppdLine?: PtyPair; lockLine?: PtyPair } = {};
let browser: Browser | undefined;
let ctxA: BrowserContext;
let ctxB: BrowserContext;
let pageA: Page;
let pageB: Page;

/** A browser context that reports console errors, page errors and CSP violations, and records /rpc answers. */
async function newConsole(label: string): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser!.newContext({ ignoreHTTPSErrors: true, colorScheme: 'light' });
  context.setDefaultTimeout(15_000);
  // Injected by the browser's debugging protocol, so the page's CSP does not apply to it.
  await context.addInitScript({
    content: `document.addEventListener('securitypolicyviolation', (e) =>
      console.error('CSP violation: ' + e.violatedDirective + ' blocked ' + (e.blockedURI || '(inline)')));`,
  });
  const page = await context.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error' || /Content Security Policy/i.test(m.text()))
      problems.push(`${label} console: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`${label} page error: ${e.message}`));
  page.on('response', (r) => {
    if (new URL(r.url()).pathname !== '/rpc') return;
    let method = '?';
    try {
      method = (JSON.parse(r.request().postData() ?? '{}') as { method?: string }).method ?? '?';
    } catch {
      // Not JSON: kept with method '?'.
    }
    exchanges.push({ method, body: r.text().catch(() => '') });
  });
  return { context, page };
}

/** Waits until a heading with exactly this name shows. */
async function heading(page: Page, name: string | RegExp): Promise<void> {
  await page.getByRole('heading', { level: 1, name, exact: typeof name === 'string' }).waitFor();
}

/** Logs in through the form and waits for the home screen and its live-event stream. */
async function logIn(
  page: Page,
  siteName: string,
  who: { username: string; password: string } = ADMIN,
): Promise<void> {
  await heading(page, 'Log in');
  const stream = page.waitForResponse((r) => new URL(r.url()).pathname === '/events' && r.status() === 200);
  await page.getByLabel('Username', { exact: true }).fill(who.username);
  await page.getByLabel('Password', { exact: true }).fill(who.password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await heading(page, siteName);
  await stream;
}

/** Opens a section from the navigation bar and waits for its heading. */
async function open(page: Page, link: string, title = link): Promise<void> {
  await page.getByRole('navigation', { name: 'Console sections' }).getByRole('link', { name: link }).click();
  await heading(page, title);
}

/** The labels of the navigation bar's links, in order. */
async function navLinks(page: Page): Promise<string[]> {
  return page.getByRole('navigation', { name: 'Console sections' }).getByRole('link').allTextContents();
}

/**
 * Takes a documentation screenshot without a focus ring on whatever field was filled last: the whole
 * page, or (`fullPage: false`) what the window shows, for a modal dialog over its backdrop.
 */
async function shot(page: Page, name: string, fullPage = true): Promise<void> {
  await page.evaluate('document.activeElement?.blur()');
  await page.screenshot({ path: path.join(SHOTS, name), fullPage });
}

/**
 * Holds back one RPC method of the page until `release()`, to look deterministically at what the screen
 * shows meanwhile. `'answer'`: the service answers at once and the page receives the answer on release
 * (an operation seen with all its steps reported). `'call'`: the call itself waits in the browser and
 * reaches the service on release (a screen that has not yet taken its next look). `arrived` resolves
 * when the first call is held.
 */
async function hold(
  page: Page,
  method: string,
  what: 'answer' | 'call',
): Promise<{ arrived: Promise<void>; release: () => Promise<void> }> {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let arrive!: () => void;
  const arrived = new Promise<void>((resolve) => (arrive = resolve));
  const held: Promise<void>[] = [];
  const isRpc = (url: URL) => url.pathname === '/rpc';
  const handler = async (route: Route) => {
    if (new URL(route.request().url()).searchParams.get('method') !== method) return route.fallback();
    arrive();
    const passed = (async () => {
      if (what === 'call') {
        await released;
        await route.continue();
      } else {
        const response = await route.fetch();
        await released;
        await route.fulfill({ response });
      }
    })();
    held.push(passed);
    await passed;
  };
  await page.route(isRpc, handler);
  return {
    arrived,
    // Passed on before the route goes: without a route, Playwright lets a held request through itself.
    release: async () => {
      release();
      await Promise.all(held);
      await page.unroute(isRpc, handler);
    },
  };
}

/** How long to wait for the Encoder screen to see a change at the encoder: it asks every 1.5 s. */
const ENCODER_LOOK = { timeout: 10_000 };
/**
 * How long to wait for a control unit's change to show: it reports at once and the screen takes the
 * report live, but enrolment, the first sync and setting up a reader's Secure Channel take seconds.
 */
const DEVICE_LOOK = { timeout: 30_000 };

/** The facts a `<dl>` list shows in a part of the page, as term → description. */
async function factsIn(part: Locator): Promise<Record<string, string>> {
  const terms = await part.locator('dt').allTextContents();
  const descriptions = await part.locator('dd').allTextContents();
  return Object.fromEntries(terms.map((term, i) => [term, descriptions[i] ?? '']));
}

/** The serious and critical WCAG 2 A and AA problems axe finds on the page as it is now. */
async function axeProblems(page: Page, where: string): Promise<string[]> {
  const report = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa']).analyze();
  return report.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${where}: ${v.id} (${v.impact}) ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

/** Every place a `token` member occurs in a JSON value. */
function tokenPaths(value: unknown, at = '$'): string[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => tokenPaths(v, `${at}[${i}]`));
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([k, v]) => [
    ...(k === 'token' ? [`${at}.${k}`] : []),
    ...tokenPaths(v, `${at}.${k}`),
  ]);
}

beforeAll(async () => {
  requireBuild({ console: true });
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(
      `console e2e: no Chromium at ${CHROMIUM}: install it with \`apt-get install -y chromium\` (as root)`,
    );
  }
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lintel-e2e-'));
  // A simulated NCoder, unpaired, with no card on it yet; the service reaches it over its socket.
  sim = await startSimNcoder(path.join(tmp, 'ncoder.sock'), ['--cards', path.join(tmp, 'cards')]);
  serve = await startServe(path.join(tmp, 'data'), path.join(tmp, 'keys', 'site.key'), [
    '--ncoder-socket',
    sim.socket,
    // The device link on a free port of the loopback only: a parallel run or a real Service keeps 4750.
    '--link-port',
    '0',
    '--link-host',
    '127.0.0.1',
  ]);
  const link = /^Device link: udp 127\.0\.0\.1:(\d+),/m.exec(serve.stdout());
  if (!link) throw new Error(`lintel serve printed no device link:\n${serve.stdout()}`);
  linkPort = Number(link[1]);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  ({ context: ctxA, page: pageA } = await newConsole('A'));
  fs.mkdirSync(SHOTS, { recursive: true });
});

afterAll(async () => {
  await browser?.close().catch(() => undefined);
  // Whatever the online-doors block left running when it failed half-way.
  await devicesRunning.cu?.stop();
  await devicesRunning.reader?.stop();
  await devicesRunning.line?.close();
  await locksRunning.ppd?.stop();
  await locksRunning.lock?.stop();
  await locksRunning.ppdLine?.close();
  await locksRunning.lockLine?.close();
  for (const running of [
    mobileRunning.phone,
    mobileRunning.relay,
    rfRunning.lock,
    rfRunning.cu,
    rfRunning.air,
  ])
    await running?.stop();
  const serveDied = serve !== undefined && (serve.proc.exitCode !== null || serve.proc.signalCode !== null);
  await serve?.stop();
  // Ctrl-C stops the simulator cleanly: exit 0, its socket removed.
  const simExit = await sim?.stop('SIGINT');
  const socketLeft = sim !== undefined && fs.existsSync(sim.socket);
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  if (serveDied) throw new Error(`lintel serve stopped during the run:\n${serve!.stderr()}`);
  if (sim && simExit !== 0) throw new Error(`lintel sim ncoder exited with ${simExit} on SIGINT`);
  if (socketLeft) throw new Error(`lintel sim ncoder left its socket ${sim!.socket} behind`);
});

describe('the console against lintel serve', () => {
  it('refuses a wrong setup token and a weak password in place, then creates the administrator', async () => {
    await pageA.goto(serve!.url);
    await heading(pageA, 'Set up Lintel');
    const token = pageA.getByLabel('Setup token', { exact: true });
    await pageA.getByLabel('Site name', { exact: true }).fill('Harbour Office');
    await pageA.getByLabel('Administrator username', { exact: true }).fill(ADMIN.username);
    await pageA.getByLabel('Display name (optional)', { exact: true }).fill(ADMIN.displayName);
    await shot(pageA, 'first-run-setup.png');

    await token.fill('WRNG-WRNG-WRNG-WRNG-WRNG-WRNG');
    await pageA.getByLabel('Password', { exact: true }).fill(ADMIN.password);
    await pageA.getByLabel('Confirm password', { exact: true }).fill(ADMIN.password);
    await pageA.getByRole('button', { name: 'Create administrator' }).click();
    await pageA
      .getByRole('alert')
      .filter({ hasText: /setup token is wrong/i })
      .waitFor();
    expect(await token.getAttribute('aria-invalid')).toBe('true');

    await token.fill(serve!.setupToken!);
    await pageA.getByLabel('Confirm password', { exact: true }).fill(`${ADMIN.password}!`);
    await pageA.getByRole('button', { name: 'Create administrator' }).click();
    await pageA.getByRole('alert').filter({ hasText: 'The two passwords differ' }).waitFor();

    await pageA.getByLabel('Password', { exact: true }).fill('short');
    await pageA.getByLabel('Confirm password', { exact: true }).fill('short');
    await pageA.getByRole('button', { name: 'Create administrator' }).click();
    await pageA.getByRole('alert').filter({ hasText: 'at least 12 characters' }).waitFor();

    await pageA.getByLabel('Password', { exact: true }).fill(ADMIN.password);
    await pageA.getByLabel('Confirm password', { exact: true }).fill(ADMIN.password);
    await pageA.getByRole('button', { name: 'Create administrator' }).click();
    await heading(pageA, 'Log in');
    await pageA
      .getByRole('status')
      .filter({ hasText: `Administrator “${ADMIN.username}” created` })
      .waitFor();
  });

  it('logs in and shows the site and who is logged in', async () => {
    expect(await pageA.getByLabel('Username', { exact: true }).inputValue()).toBe(ADMIN.username);
    await shot(pageA, 'login.png');
    await logIn(pageA, 'Harbour Office');
    await pageA.getByText(`Logged in as ${ADMIN.displayName}`).waitFor();
    await shot(pageA, 'home.png');
  });

  it('renames the site, and a second console sees it live', async () => {
    ({ context: ctxB, page: pageB } = await newConsole('B'));
    await pageB.goto(serve!.url);
    await logIn(pageB, 'Harbour Office');

    await pageA.getByLabel('Site name', { exact: true }).fill('Harbour Office North');
    await pageA.getByRole('button', { name: 'Save name' }).click();
    await pageA.getByRole('status').filter({ hasText: 'Site renamed to “Harbour Office North”' }).waitFor();
    await heading(pageA, 'Harbour Office North');
    await heading(pageB, 'Harbour Office North');
    // B had not touched its form, so the form follows the live name too.
    expect(await pageB.getByLabel('Site name', { exact: true }).inputValue()).toBe('Harbour Office North');
  });

  it('refuses a rename based on a stale version and says someone else changed it', async () => {
    await pageB.getByLabel('Site name', { exact: true }).fill('Harbour Office (B)');
    await pageA.getByLabel('Site name', { exact: true }).fill('Harbour Office East');
    await pageA.getByRole('button', { name: 'Save name' }).click();
    await heading(pageB, 'Harbour Office East');
    await pageB.getByRole('button', { name: 'Save name' }).click();
    await pageB.getByRole('alert').filter({ hasText: 'Someone else changed the site' }).waitFor();
    await heading(pageB, 'Harbour Office East');
    // Having seen the other change, B may save deliberately; A sees it live.
    await pageB.getByRole('button', { name: 'Save name' }).click();
    await heading(pageA, 'Harbour Office (B)');
  });

  it('keeps the session in an HttpOnly, Secure, SameSite=Strict cookie the page never sees', async () => {
    const cookies = await ctxA.cookies(serve!.url);
    const session = cookies.find((c) => c.name === '__Host-lintel_session');
    expect(session, 'session cookie').toBeDefined();
    expect(session).toMatchObject({ httpOnly: true, secure: true, sameSite: 'Strict', path: '/' });
    expect(session!.value.length).toBeGreaterThan(20);
    const sessionB = (await ctxB.cookies(serve!.url)).find((c) => c.name === '__Host-lintel_session');
    expect(sessionB?.value, 'each console has its own session').not.toBe(session!.value);
    const csrf = cookies.find((c) => c.name === '__Host-lintel_csrf');
    expect(csrf, 'CSRF cookie').toMatchObject({
      httpOnly: false,
      secure: true,
      sameSite: 'Strict',
      path: '/',
    });

    // A string, evaluated in the page: this file is type-checked without the DOM library.
    const seen = (await pageA.evaluate(
      '({ cookie: document.cookie, storage: JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }) })',
    )) as { cookie: string; storage: string };
    expect(seen.cookie).not.toContain('__Host-lintel_session');
    expect(seen.cookie).not.toContain(session!.value);
    expect(seen.storage).not.toContain(session!.value);

    const bodies = await Promise.all(exchanges.map(async (x) => ({ method: x.method, text: await x.body })));
    const logins = bodies.filter((b) => b.method === 'session.login' && b.text.includes('"result"'));
    expect(logins.length).toBeGreaterThanOrEqual(2);
    for (const b of bodies) {
      expect(b.text, `${b.method} answer`).not.toContain(session!.value);
      expect(b.text ? tokenPaths(JSON.parse(b.text)) : [], `${b.method} answer`).toEqual([]);
    }
  });

  it('logs out to the login screen and refuses a wrong password', async () => {
    await pageA.getByRole('button', { name: 'Log out' }).click();
    await heading(pageA, 'Log in');
    await pageA.getByRole('status').filter({ hasText: 'You have logged out' }).waitFor();
    const left = (await ctxA.cookies(serve!.url)).map((c) => c.name);
    expect(left).not.toContain('__Host-lintel_session');

    await pageA.reload();
    await heading(pageA, 'Log in');
    await pageA.getByLabel('Username', { exact: true }).fill(ADMIN.username);
    await pageA.getByLabel('Password', { exact: true }).fill('not the password at all');
    await pageA.getByRole('button', { name: 'Log in' }).click();
    await pageA.getByRole('alert').filter({ hasText: 'Unknown username or wrong password' }).waitFor();
    expect(await pageA.getByLabel('Password', { exact: true }).inputValue()).toBe('');
  });

  it('creates a custom role with some permissions, limited to a zone', async () => {
    await logIn(pageA, 'Harbour Office (B)');
    expect(await navLinks(pageA)).toEqual([
      'Home',
      ...ACCESS_SECTIONS,
      'Operators',
      'Roles',
      'Directory',
      'Audit log',
      'My account',
    ]);
    await open(pageA, 'Roles');
    await pageA.getByRole('button', { name: 'New role' }).click();
    const form = pageA.getByRole('form', { name: 'New role' });
    await form.getByLabel('Name', { exact: true }).fill('Tenant reception');
    await form.getByLabel('Description (optional)').fill('Cardholders of the third-floor tenant');
    await form.getByRole('checkbox', { name: /^users:read / }).check();
    await form.getByRole('checkbox', { name: /^users:write / }).check();
    await form.getByRole('radio', { name: 'Only some zones and doors' }).check();
    await form.getByLabel('Zone ids (optional)').fill('3, 4');
    await form.getByRole('button', { name: 'Create role' }).click();
    await pageA.getByRole('status').filter({ hasText: 'Role “Tenant reception” created' }).waitFor();
    const row = pageA.getByRole('row', { name: /Tenant reception/ });
    await expect.poll(() => row.textContent()).toContain('Only zones 3, 4');
    expect(await row.textContent()).toContain('Custom');
    expect(await pageA.getByRole('row', { name: /^administrator/ }).textContent()).toContain('Read-only');
    await shot(pageA, 'roles.png');
  });

  it('creates an operator with the built-in operator role and a temporary password', async () => {
    await open(pageA, 'Operators');
    await pageA.getByRole('button', { name: 'New operator' }).click();
    const form = pageA.getByRole('form', { name: 'New operator' });
    await form.getByLabel('Username', { exact: true }).fill(FRONTDESK.username);
    await form.getByLabel('Display name (optional)').fill(FRONTDESK.displayName);
    await form.getByRole('checkbox', { name: 'operator', exact: true }).check();
    await form.getByLabel('Temporary password', { exact: true }).fill(FRONTDESK.temporary);
    await form.getByRole('button', { name: 'Create operator' }).click();
    await pageA
      .getByRole('status')
      .filter({ hasText: `Operator “${FRONTDESK.username}” created` })
      .waitFor();
    const row = pageA.getByRole('row', { name: new RegExp(`^${FRONTDESK.username}`) });
    await expect.poll(() => row.textContent()).toContain('Must change password');
    expect(await row.textContent()).toContain(FRONTDESK.displayName);
    expect(await row.textContent()).toContain('Local');
    await shot(pageA, 'operators.png');
  });

  it('tests unsaved directory settings stage by stage and marks the failed stage', async () => {
    await open(pageA, 'Directory', 'Directory (LDAP) settings');
    await pageA.getByLabel('Server URL', { exact: true }).fill('ldap://127.0.0.1:1');
    await pageA.getByLabel('Allow an unencrypted connection').check();
    await pageA.getByRole('note').filter({ hasText: 'cross the network in clear' }).waitFor();
    await pageA.getByLabel('Bind DN', { exact: true }).fill('cn=lintel,ou=services,dc=example,dc=org');
    await pageA.getByLabel('Bind password (optional)').fill('service-account-password');
    await pageA.getByLabel('Timeout (seconds)', { exact: true }).fill('2');
    await pageA.getByLabel('User base', { exact: true }).fill('ou=people,dc=example,dc=org');
    await pageA.getByRole('button', { name: 'Add a mapping' }).click();
    const mapping = pageA.getByRole('group', { name: 'Mapping 1' });
    await mapping
      .getByLabel('Group DN', { exact: true })
      .fill('cn=lintel-admins,ou=groups,dc=example,dc=org');
    await mapping.getByRole('checkbox', { name: 'administrator', exact: true }).check();
    await pageA.getByRole('button', { name: 'Test connection' }).click();
    await pageA.getByRole('alert').filter({ hasText: 'The test failed' }).waitFor();
    const failed = pageA.getByRole('table', { name: /Connection test/ }).locator('tr.failed');
    expect(await failed.count()).toBe(1);
    expect(await failed.textContent()).toContain('Failed');
    await shot(pageA, 'directory.png');
  });

  it('creates a time period with two intervals on Monday, refusing an overlapping third beside its field', async () => {
    await open(pageA, 'Time periods');
    await pageA.getByRole('button', { name: 'New time period' }).click();
    const form = pageA.getByRole('form', { name: 'New time period' });
    const interval = (day: string, n: number) => form.getByRole('group', { name: `${day}, interval ${n}` });
    // From the keyboard: start and end fields per interval.
    const typed = [
      ['08:00', '12:00'],
      ['13:00', '17:00'],
      ['16:30', '18:00'],
    ] as const;
    for (const [i, [start, end]] of typed.entries()) {
      await form.getByRole('button', { name: 'Add an interval on Monday' }).click();
      await interval('Monday', i + 1)
        .getByLabel('Start', { exact: true })
        .fill(start);
      await interval('Monday', i + 1)
        .getByLabel('End', { exact: true })
        .fill(end);
    }
    await form.getByRole('button', { name: 'Create time period' }).click();
    await interval('Monday', 3)
      .getByRole('alert')
      .filter({ hasText: 'Overlaps the Monday interval before it' })
      .waitFor();
    const startOf = (day: string, n: number) => interval(day, n).getByLabel('Start', { exact: true });
    const endOf = (day: string, n: number) => interval(day, n).getByLabel('End', { exact: true });
    expect(await startOf('Monday', 3).getAttribute('aria-invalid')).toBe('true');
    expect(await startOf('Monday', 2).getAttribute('aria-invalid')).toBeNull();
    // The name is checked before anything is sent too, in the same words as the service's.
    const name = form.getByLabel('Name', { exact: true });
    await form.getByRole('alert').filter({ hasText: 'Must not be empty' }).waitFor();
    expect(await name.getAttribute('aria-invalid')).toBe('true');
    await interval('Monday', 3).getByRole('button', { name: 'Remove Monday, interval 3' }).click();
    await name.fill('Office hours');

    // Monday copied to Tuesday–Friday.
    await form.getByRole('button', { name: 'Copy Monday to other days' }).click();
    const copy = pageA.getByRole('dialog');
    await copy.getByRole('button', { name: 'Other weekdays' }).click();
    await copy.getByRole('button', { name: 'Copy to the chosen days' }).click();
    expect(await endOf('Friday', 2).inputValue()).toBe('17:00');

    // With the pointer: a drag across Saturday's row from 09:00 to 13:00 adds an interval there.
    const saturday = form.getByTestId('track-sat');
    await saturday.scrollIntoViewIfNeeded();
    const box = (await saturday.boundingBox())!;
    const at = (minute: number) => box.x + (box.width * minute) / 1440;
    const y = box.y + box.height / 2;
    await pageA.mouse.move(at(9 * 60), y);
    await pageA.mouse.down();
    await pageA.mouse.move(at(11 * 60), y, { steps: 4 });
    await pageA.mouse.move(at(13 * 60), y, { steps: 4 });
    await pageA.mouse.up();
    expect(await startOf('Saturday', 1).inputValue()).toBe('09:00');
    expect(await endOf('Saturday', 1).inputValue()).toBe('13:00');
    await shot(pageA, 'time-periods.png');

    await form.getByRole('button', { name: 'Create time period' }).click();
    await pageA.getByRole('status').filter({ hasText: 'Time period “Office hours” created' }).waitFor();
    const row = pageA.getByRole('row', { name: /Office hours/ });
    await expect
      .poll(() => row.textContent())
      .toContain('Monday–Friday 08:00–12:00, 13:00–17:00; Saturday 09:00–13:00');
  });

  it('adds a holiday to the site calendar, which cannot be deleted', async () => {
    await open(pageA, 'Calendars');
    const site = pageA.getByRole('row', { name: /^Site calendar/ });
    expect(await site.getByRole('button', { name: 'Delete Site calendar' }).count()).toBe(0);
    await site.getByRole('button', { name: 'Edit Site calendar' }).click();
    const form = pageA.getByRole('form', { name: 'Edit calendar Site calendar' });
    await form.getByRole('button', { name: 'Add a day' }).click();
    const day = form.getByRole('group', { name: 'Special day 1' });
    await day.getByLabel('Date', { exact: true }).fill('2027-01-01');
    await day.getByLabel('Type', { exact: true }).selectOption('holiday');
    await form.getByRole('button', { name: 'Save calendar' }).click();
    await pageA.getByRole('status').filter({ hasText: 'Calendar “Site calendar” saved' }).waitFor();
    await expect.poll(() => site.textContent()).toContain('2027-01-01 Holiday');
    await shot(pageA, 'calendars.png');
  });

  it('creates a zone, a timed-office door in it and an access level granting the zone', async () => {
    await open(pageA, 'Zones');
    await pageA.getByRole('button', { name: 'New zone' }).click();
    const zoneForm = pageA.getByRole('form', { name: 'New zone' });
    await zoneForm.getByLabel('Name', { exact: true }).fill('Third floor');
    await zoneForm.getByRole('button', { name: 'Create zone' }).click();
    await pageA.getByRole('status').filter({ hasText: 'Zone “Third floor” created' }).waitFor();

    await open(pageA, 'Doors');
    await pageA.getByRole('button', { name: 'New door' }).click();
    const doorForm = pageA.getByRole('form', { name: 'New door' });
    await doorForm.getByLabel('Name', { exact: true }).fill('Main entrance');
    await doorForm.getByLabel('Kind', { exact: true }).selectOption('offline');
    await doorForm.getByLabel('Open mode', { exact: true }).selectOption('timed-office');
    await doorForm.getByLabel('Office period', { exact: true }).selectOption({ label: 'Office hours' });
    await doorForm.getByLabel('Authentication', { exact: true }).selectOption('card+pin');
    await doorForm.getByRole('checkbox', { name: 'Third floor' }).check();
    await doorForm.getByRole('button', { name: 'Create door' }).click();
    await pageA.getByRole('status').filter({ hasText: 'Door “Main entrance” created' }).waitFor();
    const door = pageA.getByRole('row', { name: /^Main entrance/ });
    await expect.poll(() => door.textContent()).toContain('Third floor');
    expect(await door.textContent()).toContain('Timed office');
    expect(await door.textContent()).toContain('Card and PIN');
    await shot(pageA, 'doors.png');

    await open(pageA, 'Access levels');
    await pageA.getByRole('button', { name: 'New access level' }).click();
    const levelForm = pageA.getByRole('form', { name: 'New access level' });
    await levelForm.getByLabel('Name', { exact: true }).fill('Office staff');
    await levelForm.getByRole('button', { name: 'Add a right' }).click();
    const right = levelForm.getByRole('group', { name: 'Right 1' });
    await right.getByLabel('Zone or door', { exact: true }).selectOption({ label: 'Zone: Third floor' });
    await right.getByLabel('Time period', { exact: true }).selectOption({ label: 'Office hours' });
    await levelForm.getByRole('button', { name: 'Create access level' }).click();
    await pageA.getByRole('status').filter({ hasText: 'Access level “Office staff” created' }).waitFor();
    const level = pageA.getByRole('row', { name: /^Office staff/ });
    await expect.poll(() => level.textContent()).toContain('Zone Third floor during Office hours');
  });

  it('creates a user with that level, finds them as you type, and issues and cancels a key', async () => {
    await open(pageA, 'Users');
    await pageA.getByRole('button', { name: 'New user' }).click();
    const form = pageA.getByRole('form', { name: 'New user' });
    await form.getByLabel('First name (optional)').fill('Ada');
    await form.getByLabel('Last name', { exact: true }).fill('Lovelace');
    await form.getByLabel('Identifier (optional)').fill('E-1001');
    await form.getByLabel('Department (optional)').fill('Engineering');
    await form.getByRole('checkbox', { name: 'Office staff' }).check();
    await form.getByRole('button', { name: 'Create user' }).click();
    await pageA.getByRole('status').filter({ hasText: 'User “Ada Lovelace” created' }).waitFor();

    const rows = pageA.getByRole('table', { name: /user/ }).locator('tbody tr');
    await pageA.getByRole('searchbox', { name: 'Search users' }).fill('nobody-like-this');
    await expect.poll(() => rows.count()).toBe(0);
    await pageA.getByRole('searchbox', { name: 'Search users' }).fill('lovel');
    await expect.poll(() => rows.count()).toBe(1);

    // The name opens the user beside the list: their form and their keys.
    await pageA.getByRole('button', { name: 'Ada Lovelace', exact: true }).click();
    const keys = pageA.getByRole('region', { name: 'Keys of Ada Lovelace' });
    await keys.getByLabel('Card UID', { exact: true }).fill('04a2b3c4');
    await keys.getByRole('button', { name: 'Issue key' }).click();
    await keys.getByRole('status').filter({ hasText: 'Key 04A2B3C4 issued to Ada Lovelace' }).waitFor();
    await keys.getByRole('button', { name: 'Cancel key 04A2B3C4' }).click();
    await pageA.getByRole('dialog').getByRole('button', { name: 'Cancel key', exact: true }).click();
    await keys.getByRole('status').filter({ hasText: 'Key 04A2B3C4 cancelled and blacklisted' }).waitFor();
    const blacklist = pageA.getByRole('region', { name: 'Blacklist' });
    await expect.poll(() => blacklist.textContent()).toMatch(/(^|\D)1 of [\d,]+ entries/);
    await shot(pageA, 'users.png');
  });

  it('shows a key cancelled in one console arriving live in the other console’s events', async () => {
    // The second console, still logged in as the administrator, watches the events.
    await open(pageB, 'Events', 'Access events');
    const table = pageB.getByRole('table', { name: /newest first/ });
    await table.waitFor();
    await pageB.getByText('Live', { exact: true }).waitFor();
    const cancellations = table.locator('tbody tr').filter({ hasText: 'Key cancelled' });
    await expect.poll(() => cancellations.count()).toBe(1);
    const reads: string[] = [];
    const onRequest = (r: { url(): string; postData(): string | null }) => {
      if (new URL(r.url()).pathname === '/rpc' && r.postData()?.includes('"events.list"'))
        reads.push(r.url());
    };
    pageB.on('request', onRequest);

    const keys = pageA.getByRole('region', { name: 'Keys of Ada Lovelace' });
    await keys.getByLabel('Card UID', { exact: true }).fill('04a2b3c5');
    await keys.getByRole('button', { name: 'Issue key' }).click();
    await keys.getByRole('status').filter({ hasText: 'Key 04A2B3C5 issued to Ada Lovelace' }).waitFor();
    await keys.getByRole('button', { name: 'Cancel key 04A2B3C5' }).click();
    await pageA.getByRole('dialog').getByRole('button', { name: 'Cancel key', exact: true }).click();
    await keys.getByRole('status').filter({ hasText: 'Key 04A2B3C5 cancelled and blacklisted' }).waitFor();

    // It arrives at the top of the other console's list, once, marked new, without a read.
    const top = table.locator('tbody tr').first();
    await expect.poll(() => top.textContent()).toContain('04A2B3C5');
    const text = (await top.textContent()) ?? '';
    for (const said of ['Configuration', 'Ada Lovelace', 'Key cancelled', 'console', 'by admin'])
      expect(text).toContain(said);
    expect(await top.getAttribute('class')).toContain('event-live');
    await expect.poll(() => cancellations.count()).toBe(2);
    await pageB.getByText('1 new event arrived while you were looking.').waitFor();
    pageB.off('request', onRequest);
    expect(reads).toEqual([]);
    await shot(pageB, 'events.png');
  });

  it('imports users from CSV with live progress, cancels a big import, and lists the bad rows', async () => {
    await pageA.getByRole('button', { name: 'Import CSV' }).click();
    const panel = pageA.getByRole('region', { name: 'Import users from CSV' });
    const header = 'firstName,lastName,identifier,department,validFrom,validUntil,accessLevels,notes';
    const big = [header, ...Array.from({ length: 100_000 }, (_, i) => `F${i},L${i},BULK-${i},Bulk,,,,`)];
    await panel.getByLabel('CSV file').setInputFiles({
      name: 'big.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(big.join('\n')),
    });
    await panel.getByRole('checkbox', { name: 'Only check the file (dry run)' }).uncheck();
    await panel.getByRole('button', { name: 'Import', exact: true }).click();
    await panel
      .getByRole('status')
      .filter({ hasText: /Checking: [\d,]+ rows read/ })
      .waitFor();
    await shot(pageA, 'users-import-progress.png');
    await panel.getByRole('button', { name: 'Cancel import' }).click();
    await panel.getByRole('status').filter({ hasText: 'Import cancelled: nothing was written.' }).waitFor();

    const small = [
      header,
      'Grace,Hopper,E-2001,Navy,,,,',
      'Alan,Turing,E-2002,,,not a time,,',
      'Edsger,Dijkstra,,,,,,',
    ];
    await panel.getByLabel('CSV file').setInputFiles({
      name: 'small.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(small.join('\r\n')),
    });
    await panel.getByRole('radio', { name: 'Import the valid rows' }).check();
    await panel.getByRole('button', { name: 'Import', exact: true }).click();
    await panel.getByRole('status').filter({ hasText: '2 of 3 rows imported; 1 have problems.' }).waitFor();
    const problems = panel.getByRole('table', { name: 'Rows with problems' });
    expect(await problems.locator('tbody tr').allTextContents()).toEqual([
      expect.stringMatching(/^3validUntilmust be an ISO 8601 time/),
    ]);
    await shot(pageA, 'users-import.png');
    await pageA.getByRole('searchbox', { name: 'Search users' }).fill('hopper');
    await expect.poll(() => pageA.getByRole('table', { name: /user/ }).locator('tbody tr').count()).toBe(1);
    await panel.getByRole('button', { name: 'Close' }).click();
  });

  it('lists access events newest first, filtered by kind', async () => {
    await open(pageA, 'Events', 'Access events');
    await pageA.getByRole('table', { name: /newest first/ }).waitFor();
    const listed = pageA.waitForResponse((r) => r.request().postData()?.includes('"access-denied"') ?? false);
    await pageA.getByLabel('Kind', { exact: true }).selectOption('access-denied');
    expect((await listed).status()).toBe(200);
    await pageA.getByRole('table', { name: 'No events match these filters.' }).waitFor();
    await pageA.getByLabel('Kind', { exact: true }).selectOption('configuration');
    const rows = pageA.getByRole('table', { name: /newest first/ }).locator('tbody tr');
    await expect.poll(() => rows.count()).toBe(2);
    expect(await rows.nth(0).textContent()).toContain('04A2B3C5');
    expect(await rows.nth(1).textContent()).toContain('04A2B3C4');
  });

  it('pairs the NCoder, encodes a placed card for the user, reads it, cancels its key, and refuses a Read without a card', async () => {
    const nc = sim!;
    await open(pageA, 'Encoder', 'Card encoder');
    const encoder = pageA.getByRole('region', { name: 'The NCoder' });
    const card = pageA.getByRole('region', { name: 'The card' });
    await expect
      .poll(() => factsIn(encoder))
      .toMatchObject({ State: 'Not paired', 'Serial number': nc.serial });
    await encoder.getByRole('button', { name: 'Pair with this site' }).click();
    await pageA
      .getByRole('dialog', { name: 'Pair this NCoder with this site?' })
      .getByRole('button', { name: 'Pair the NCoder' })
      .click();
    await pageA
      .getByRole('status')
      .filter({ hasText: 'The NCoder is paired with this site and ready.' })
      .waitFor();
    await expect
      .poll(() => factsIn(encoder))
      .toMatchObject({
        State: 'Ready',
        'Serial number': nc.serial,
        'Card on the encoder': 'Place a card on the encoder.',
      });
    await card.getByText('Place a card on the encoder to read or write it.').waitFor();
    expect(await card.getByRole('button', { name: 'Encode the card' }).isDisabled()).toBe(true);

    // A fresh blank card on the encoder, as typed at the simulator's console.
    let from = nc.stdout().length;
    nc.send('new 2k');
    const [, cardName, placedUid] = await nc.waitFor(/placed (\S+) \(UID ([0-9a-f]{14}), 2k\)/i, from);
    const uid = placedUid!.toUpperCase();
    await expect.poll(async () => (await factsIn(encoder))['Card on the encoder'], ENCODER_LOOK).toBe(uid);
    await card.getByRole('button', { name: 'Read', exact: true }).waitFor();
    expect(await card.getByText('Place a card on the encoder to read or write it.').count()).toBe(0);

    // A key for Ada Lovelace, picked by name.
    const picker = card.getByRole('combobox', { name: 'Cardholder' });
    await picker.click();
    await picker.fill('lovel');
    await pageA.getByRole('option', { name: 'Ada Lovelace', exact: true }).click();
    expect(await picker.inputValue()).toBe('Ada Lovelace');
    // The answer is held back until every step has reported, so the panel is seen with them all done.
    const encoded = await hold(pageA, 'encoder.encode', 'answer');
    await card.getByRole('button', { name: 'Encode the card' }).click();
    const progress = card.getByRole('group', { name: 'Card operation progress' });
    const steps = progress.getByRole('list', { name: 'Steps' }).getByRole('listitem');
    await expect
      .poll(() => steps.allTextContents(), ENCODER_LOOK)
      .toEqual(['Detect the card', 'Authenticate', 'Format', 'Write', 'Verify'].map((s) => `${s} (done)`));
    await progress.getByRole('status').filter({ hasText: 'Step 5 of 5: Verify. Committed' }).waitFor();
    expect(await progress.getByRole('button', { name: 'Cancel: Encoding the card' }).isDisabled()).toBe(true);
    await shot(pageA, 'encoder-progress.png');
    await encoded.release();
    await card
      .getByRole('status')
      .filter({ hasText: `Key ${uid} encoded for Ada Lovelace.` })
      .waitFor();
    expect(await progress.count()).toBe(0);

    // What the card holds: its holder, their access level's one right, no PIN, as the database says.
    const report = pageA.getByRole('region', { name: 'What the card holds' });
    const written = await factsIn(report);
    expect(written).toMatchObject({
      UID: uid,
      Holder: 'Ada Lovelace',
      Key: uid,
      'Key status': 'Issued',
      'Revalidate by': 'Not needed',
      'PIN required': 'No',
      'Blacklist entries carried': expect.stringMatching(/^2 cancelled keys/),
    });
    const rights = report.getByRole('table', { name: '1 right on the card' });
    expect(await rights.locator('tbody tr').allTextContents()).toEqual(['ZoneThird floorOffice hours']);
    await report.getByText('Up to date with the database.').waitFor();
    await report.getByText('No audit records on the card.').waitFor();
    expect(await report.getByRole('link', { name: 'Ada Lovelace' }).getAttribute('href')).toMatch(
      /#\/users\?user=\d+$/,
    );
    // The form is cleared for the next card.
    await expect.poll(() => picker.inputValue()).toBe('');
    await shot(pageA, 'encoder.png');
    // The axe block sees the screen with no card; here it is at its fullest: a card, its actions, a report.
    expect(await axeProblems(pageA, 'Encoder with a card')).toEqual([]);

    // Read shows the same card.
    await card.getByRole('button', { name: 'Read', exact: true }).click();
    await card
      .getByRole('status')
      .filter({ hasText: `Card ${uid} read.` })
      .waitFor();
    expect(await factsIn(report)).toEqual(written);
    expect(await rights.locator('tbody tr').allTextContents()).toEqual(['ZoneThird floorOffice hours']);
    await report.getByText('Up to date with the database.').waitFor();

    // Cancel key: blacklisted, and the card left blank.
    await card.getByRole('button', { name: 'Cancel key', exact: true }).click();
    await pageA
      .getByRole('dialog', { name: 'Cancel the key on this card?' })
      .getByRole('button', { name: 'Cancel the key', exact: true })
      .click();
    await card
      .getByRole('status')
      .filter({ hasText: `Key ${uid} cancelled and blacklisted; the card holds no access now.` })
      .waitFor();
    await report.getByText('This card is blank: it holds no application. Encode a key onto it.').waitFor();
    expect(await factsIn(report)).toEqual({ UID: uid });

    // Read just as the card is lifted, before the screen's next look at the encoder (its answers held
    // back meanwhile, so the button is still offered): the service finds no card and says so.
    const looks = await hold(pageA, 'encoder.status', 'call');
    await looks.arrived;
    from = nc.stdout().length;
    nc.send('remove');
    await nc.waitFor(new RegExp(`removed ${cardName}`), from);
    await card.getByRole('button', { name: 'Read', exact: true }).click();
    await card
      .getByRole('alert')
      .filter({ hasText: 'There is no card on the encoder. Place one on it and try again.' })
      .waitFor();
    await looks.release();
    await expect
      .poll(async () => (await factsIn(encoder))['Card on the encoder'], ENCODER_LOOK)
      .toBe('Place a card on the encoder.');
    expect(await card.getByRole('button', { name: 'Read', exact: true }).isDisabled()).toBe(true);

    // The user's keys show the card's key cancelled, with nothing left to do to it.
    await open(pageA, 'Users');
    await pageA.getByRole('searchbox', { name: 'Search users' }).fill('lovel');
    await pageA.getByRole('button', { name: 'Ada Lovelace', exact: true }).click();
    const keys = pageA.getByRole('region', { name: 'Keys of Ada Lovelace' });
    const key = keys.getByRole('row', { name: new RegExp(`^${uid}`) });
    await expect.poll(() => key.locator('td').first().textContent(), ENCODER_LOOK).toBe('Cancelled');
    expect(await keys.getByRole('button', { name: `Cancel key ${uid}` }).count()).toBe(0);
  });

  it('registers a control unit for an online door, sees it enrol and come online live, and commands the door', async () => {
    const door = 'Server room';
    const unit = 'Server room unit';
    await open(pageA, 'Doors');
    await pageA.getByRole('button', { name: 'New door' }).click();
    const doorForm = pageA.getByRole('form', { name: 'New door' });
    await doorForm.getByLabel('Name', { exact: true }).fill(door);
    await doorForm.getByLabel('Kind', { exact: true }).selectOption('online');
    await doorForm.getByRole('button', { name: 'Create door' }).click();
    await pageA
      .getByRole('status')
      .filter({ hasText: `Door “${door}” created` })
      .waitFor();
    const doorRow = pageA.getByRole('row', { name: new RegExp(`^${door}`) });
    // Its live state, as its control unit reports it (the row's other cells name the commands).
    const doorState = async () =>
      (await doorRow.locator('td').allTextContents()).find((c) =>
        /^(Open|Closed), |^No control unit$|^Control unit offline$/.test(c),
      );
    await expect.poll(doorState).toBe('No control unit');

    // The Service's end of the link, and no device yet.
    await open(pageA, 'Gateways and control units');
    const link = pageA.getByRole('region', { name: 'Service link' });
    await expect
      .poll(() => factsIn(link))
      .toMatchObject({ Status: `Listening on 127.0.0.1:${linkPort}`, 'Refused datagrams': 'None' });
    const devices = pageA.getByRole('region', { name: 'Devices' });
    await devices.getByText('No gateways or control units yet.').waitFor();

    // A control unit reporting to the Service directly, with one reader: address 0, opening the door.
    await devices.getByRole('button', { name: 'Register a device' }).click();
    const form = devices.getByRole('form', { name: 'Register a gateway or control unit' });
    await form.getByLabel('Kind', { exact: true }).selectOption('control-unit');
    await form.getByLabel('Name', { exact: true }).fill(unit);
    await form
      .getByLabel('Reports through', { exact: true })
      .selectOption({ label: 'Direct to the Service' });
    await form.getByRole('button', { name: 'Add a reader' }).click();
    const reader = form.getByRole('group', { name: 'Reader 1' });
    expect(await reader.getByLabel('OSDP address', { exact: true }).inputValue()).toBe('0');
    const doorPicker = reader.getByRole('combobox', { name: 'Door' });
    await doorPicker.click();
    await doorPicker.fill('server');
    await pageA.getByRole('option', { name: door, exact: true }).click();
    await form.getByRole('button', { name: 'Register and get a pairing code' }).click();

    // The one-time code, and the command that enrols the unit with it (this site is a throwaway).
    const dialog = pageA.getByRole('dialog', { name: `Pairing code for ${unit}` });
    const code = ((await dialog.getByRole('status', { name: 'Pairing code' }).textContent()) ?? '').trim();
    expect(code).toMatch(/^\S{6,}$/);
    const command = (
      (await dialog.getByRole('status', { name: 'Command to run on the device' }).textContent()) ?? ''
    ).trim();
    expect(command).toBe(
      `lintel sim cu --data-dir DIR --reader PATH --enrol ${code} --service 127.0.0.1:${linkPort}`,
    );
    // The window at the top of the page, its header showing behind the dialog.
    await pageA.evaluate('window.scrollTo(0, 0)');
    await shot(pageA, 'pairing-code.png', false);
    await dialog.getByRole('button', { name: 'Done: I have noted the code' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await devices
      .getByRole('status')
      .filter({ hasText: `“${unit}” registered.` })
      .waitFor();
    const row = devices
      .getByRole('table', { name: '1 device' })
      .getByRole('row', { name: new RegExp(`^${unit}`) });
    const cells = async () => {
      const [kind, gateway, status, configuration, , , readers] = await row.locator('td').allTextContents();
      return { kind, gateway, status, configuration, readers };
    };
    await expect.poll(cells).toMatchObject({
      kind: 'Control unit',
      gateway: 'Direct to the Service',
      status: expect.stringMatching(/^Not paired.*pairing code valid until /),
      configuration: 'Not received yet',
      readers: `Reader 0 · ${door}Not reported yet`,
    });

    // A wall reader fresh from the box (install mode) on one end of a serial line, and the control
    // unit on the other end, started with the dialog's command: its folder, its port, install mode.
    const line = (devicesRunning.line = await ptyPair());
    devicesRunning.reader = startSimReader(['--port', line.paths[0], '--address', '0', '--install-mode']);
    await devicesRunning.reader.waitFor(/^OSDP reader simulator at address 0 on /m);
    const words = command.split(' ');
    expect(words.slice(0, 3)).toEqual(['lintel', 'sim', 'cu']);
    const cuArgs = words
      .slice(3)
      .map((w) => (w === 'DIR' ? path.join(tmp, 'cu') : w === 'PATH' ? `${line.paths[1]}@0` : w));
    const cu = (devicesRunning.cu = startSimCu([...cuArgs, '--install-mode']));
    const [, deviceId] = await cu.waitFor(/^control unit (\d+) ready: /m);
    expect(cu.stdout()).toContain(`enrolled as control unit ${deviceId}; reporting to the Service`);

    // The screen follows the unit live (devices.changed): online, up to date, its reader secure.
    await expect.poll(cells, DEVICE_LOOK).toMatchObject({
      status: expect.stringMatching(/^Online.*last seen /),
      configuration: expect.stringMatching(/^Up to date/),
      readers: expect.stringMatching(new RegExp(`^Reader 0 · ${door}Secure.*Closed, Locked$`)),
    });
    expect(await factsIn(link)).toMatchObject({ 'Refused datagrams': 'None' });
    // A window wide enough for every column of the table, its row actions included.
    const viewport = pageA.viewportSize()!;
    await pageA.setViewportSize({ width: 1600, height: viewport.height });
    await shot(pageA, 'devices.png');
    await pageA.setViewportSize(viewport);

    // Open, from the doors screen: the unit applies it, and the event reaches the other console live.
    await open(pageA, 'Doors');
    await expect.poll(doorState, DEVICE_LOOK).toBe('Closed, Locked');
    const buttons = doorRow.getByRole('group', { name: 'Door commands' });
    const events = pageB.getByRole('table', { name: /newest first/ });
    const top = events.locator('tbody tr').first();
    const reads: string[] = [];
    const onRequest = (r: { url(): string; postData(): string | null }) => {
      if (new URL(r.url()).pathname === '/rpc' && r.postData()?.includes('"events.list"'))
        reads.push(r.url());
    };
    pageB.on('request', onRequest);
    let from = cu.stdout().length;
    await buttons.getByRole('button', { name: `Open ${door}` }).click();
    await pageA
      .getByRole('status')
      .filter({ hasText: `Open: done at ${door}.` })
      .waitFor();
    const [, doorId] = await cu.waitFor(/^event device door (\d+) reason command:open/m, from);
    await expect.poll(() => top.textContent(), DEVICE_LOOK).toContain('command:open');
    for (const said of ['Device', door, 'command:open']) expect(await top.textContent()).toContain(said);

    // Lockdown on and off, each confirmed first; the door's live state follows.
    await buttons.getByRole('button', { name: `Lockdown on at ${door}` }).click();
    await pageA
      .getByRole('dialog', { name: `Lock down ${door}?` })
      .getByRole('button', { name: 'Lock down', exact: true })
      .click();
    await pageA
      .getByRole('status')
      .filter({ hasText: `Lockdown on: done at ${door}.` })
      .waitFor();
    await expect.poll(doorState, DEVICE_LOOK).toBe('Closed, Locked, Lockdown');
    await expect.poll(() => top.textContent(), DEVICE_LOOK).toContain('command:lockdown-on');
    await buttons.getByRole('button', { name: `Lockdown off at ${door}` }).click();
    await pageA
      .getByRole('dialog', { name: `Lift the lockdown of ${door}?` })
      .getByRole('button', { name: 'Lift lockdown', exact: true })
      .click();
    await pageA
      .getByRole('status')
      .filter({ hasText: `Lockdown off: done at ${door}.` })
      .waitFor();
    await expect.poll(doorState, DEVICE_LOOK).toBe('Closed, Locked');
    await expect.poll(() => top.textContent(), DEVICE_LOOK).toContain('command:lockdown-off');

    // The contact opens while the door is locked: forced, shown live without a reload; then closed.
    from = cu.stdout().length;
    cu.send(`contact ${doorId} open`);
    await cu.waitFor(new RegExp(`^event door-forced door ${doorId}`, 'm'), from);
    await expect.poll(() => top.textContent(), DEVICE_LOOK).toContain('Door forced');
    expect(await top.textContent()).toContain(door);
    expect(await top.getAttribute('class')).toContain('event-live');
    cu.send(`contact ${doorId} closed`);
    await cu.waitFor(new RegExp(`^event door-closed door ${doorId}`, 'm'), from);
    await expect.poll(() => top.textContent(), DEVICE_LOOK).toContain('Door closed');
    pageB.off('request', onRequest);
    expect(reads).toEqual([]);

    // Ctrl-C stops the unit and the reader cleanly; then the line is unplugged.
    expect(await cu.stop('SIGINT')).toBe(0);
    delete devicesRunning.cu;
    expect(await devicesRunning.reader.stop('SIGINT')).toBe(0);
    delete devicesRunning.reader;
    await line.close();
    delete devicesRunning.line;
  }, 120_000);

  it('pairs a PPD on a serial line, loads a round for the offline door, and syncs the visit back, live', async () => {
    const door = 'Main entrance';
    // The PPD on one end of a serial line (a pty: the system does not list it, so its path is typed)
    // and a factory-new offline lock on another, both simulated, unpaced.
    const ppdLine = (locksRunning.ppdLine = await ptyPair());
    const lockLine = (locksRunning.lockLine = await ptyPair());
    const ppd = (locksRunning.ppd = startSimPpd([
      '--port',
      ppdLine.paths[1],
      '--state',
      path.join(tmp, 'ppd.json'),
      '--baud',
      '0',
    ]));
    await ppd.waitFor(/Type help for commands/m);
    const lock = (locksRunning.lock = startSimLock([
      '--port',
      lockLine.paths[1],
      '--state',
      path.join(tmp, 'lock.json'),
      '--baud',
      '0',
    ]));
    await lock.waitFor(/Type help for commands/m);

    // The offline door made earlier has never been visited.
    await open(pageA, 'Offline locks', 'Offline locks and the programming device');
    const row = pageA
      .getByRole('table', { name: /^1 offline lock · / })
      .getByRole('row', { name: new RegExp(door) });
    await expect
      .poll(() => row.textContent())
      .toContain('Never initialised: the visit sets up its keys and tables.');

    const panel = pageA.getByRole('region', { name: 'Programming device (PPD)' });
    await panel.getByLabel('Serial port', { exact: true }).selectOption({ label: 'Another path…' });
    await panel.getByLabel('Port path', { exact: true }).fill(ppdLine.paths[0]);
    await panel.getByRole('button', { name: 'Check PPD' }).click();
    await expect
      .poll(() => factsIn(panel))
      .toMatchObject({ Paired: 'Not paired', 'Round it carries': 'None', 'Results to import': '0' });
    await panel.getByRole('button', { name: 'Pair with this site' }).click();
    await pageA
      .getByRole('dialog', { name: 'Pair this PPD with this site?' })
      .getByRole('button', { name: 'Pair the PPD' })
      .click();
    await panel.getByRole('status').filter({ hasText: 'The PPD is paired with this site.' }).waitFor();
    expect((await factsIn(panel)).Paired).toBe('With this site');

    await pageA.getByRole('button', { name: 'Select all that need a visit' }).click();
    await panel.getByRole('button', { name: 'Load round for 1 lock' }).click();
    const loaded = panel.getByRole('status').filter({ hasText: /^Round \S+ loaded: 1 lock to visit/ });
    await loaded.waitFor();
    const roundId = /^Round (\S+) loaded/.exec((await loaded.textContent()) ?? '')![1]!;
    // The lock's row follows locks.changed; the PPD says what it carries, all of it.
    await expect
      .poll(() => row.textContent())
      .toContain(`In round ${roundId}, loaded in a PPD and not synced yet`);
    await expect
      .poll(async () => (await factsIn(panel))['Round it carries'])
      .toMatch(new RegExp(`^${roundId}: locks to visit 1, visited 0; ([\\d,]+) of \\1 bytes loaded$`));

    // The technician carries the PPD to the lock…
    const mark = ppd.stdout().length;
    ppd.send(`visit ${lockLine.paths[0]}`);
    expect((await ppd.waitFor(/^door \d+: (.*)$/m, mark, 60_000))[1]).toMatch(/^updated, lock LK-/);
    // …and back at the console, syncs it: what each lock came to, and the lock up to date.
    await panel.getByRole('button', { name: 'Sync', exact: true }).click();
    await panel.getByRole('status').filter({ hasText: 'Synced: 1 visit result imported.' }).waitFor();
    const visits = panel.getByRole('table', { name: 'The visits of the rounds synced, lock by lock' });
    expect(
      await visits
        .getByRole('row', { name: new RegExp(door) })
        .locator('td')
        .allTextContents(),
    ).toEqual(['Updated', '—', expect.stringMatching(/^\d+$/), expect.any(String)]);
    await expect.poll(() => row.textContent()).toContain('No visit needed');
    expect(await row.textContent()).toMatch(/LK-\S+firmware /);
    const rounds = pageA.getByRole('table', { name: 'Rounds, newest first' });
    await expect
      .poll(async () => (await rounds.getByRole('row').nth(1).textContent()) ?? '')
      .toContain('Synced');
    expect(await rounds.getByRole('row').nth(1).getByRole('rowheader').textContent()).toBe(roundId);
    await pageA.waitForLoadState('networkidle');
    await shot(pageA, 'offline-locks.png');
    expect(await axeProblems(pageA, 'Offline locks after a sync')).toEqual([]);

    await ppd.stop();
    await lock.stop();
    await ppdLine.close();
    await lockLine.close();
    locksRunning.ppd = locksRunning.lock = locksRunning.ppdLine = locksRunning.lockLine = undefined;
  }, 180_000);

  it('adds an RF lock to an RF door, shows its join code once, and sees the lock join and come online live', async () => {
    const door = 'Bike store';
    const eui = '00124B0001A2B3C4';
    await open(pageA, 'Doors');
    await pageA.getByRole('button', { name: 'New door' }).click();
    const doorForm = pageA.getByRole('form', { name: 'New door' });
    await doorForm.getByLabel('Name', { exact: true }).fill(door);
    await doorForm.getByLabel('Kind', { exact: true }).selectOption('rf');
    await doorForm.getByRole('button', { name: 'Create door' }).click();
    await pageA
      .getByRole('status')
      .filter({ hasText: `Door “${door}” created` })
      .waitFor();

    // The simulated air, and the online-doors block's control unit back on (from its folder, already
    // enrolled), hosting an RF node on that air.
    const air = (rfRunning.air = startDevice(['sim', 'air', '--port', '0'], 'lintel sim air'));
    const [, airPort] = await air.waitFor(/^air listening on 127\.0\.0\.1:(\d+)/m);
    const airAt = `127.0.0.1:${airPort}`;
    const cu = (rfRunning.cu = startSimCu(['--data-dir', path.join(tmp, 'cu'), '--rf-air', airAt]));
    await cu.waitFor(/^control unit \d+ ready: /m);

    await open(pageA, 'RF locks');
    const locks = pageA.getByRole('region', { name: 'RF locks' });
    await locks.getByText(/^No RF locks yet/).waitFor();
    await locks.getByRole('button', { name: 'Add RF lock' }).click();
    const form = locks.getByRole('form', { name: 'Add an RF lock' });
    const doorPicker = form.getByRole('combobox', { name: 'Door' });
    await doorPicker.click();
    await doorPicker.fill('bike');
    await pageA.getByRole('option', { name: door, exact: true }).click();
    await form.getByLabel('Control unit', { exact: true }).selectOption({ label: 'Server room unit' });
    // As printed on the lock's label.
    await form.getByLabel('EUI-64', { exact: true }).fill('00:12:4b:00:01:a2:b3:c4');
    await form.getByRole('button', { name: 'Add the lock and get its join code' }).click();

    // The one-time join code, and the command that starts the simulated lock with it.
    const dialog = pageA.getByRole('dialog', { name: `Join code for the lock of ${door}` });
    const code = await dialog.getByLabel('Join code', { exact: true }).inputValue();
    expect(code).toMatch(/^([0-9A-F]{4}-){7}[0-9A-F]{4}$/);
    const command = await dialog.getByLabel('Command', { exact: true }).inputValue();
    expect(command).toBe(`lintel sim rflock --state FILE --air HOST:PORT --eui ${eui} --join ${code}`);
    await dialog.getByRole('button', { name: 'Done: I have noted the code' }).click();
    await dialog.waitFor({ state: 'hidden' });
    const row = locks
      .getByRole('table', { name: /^1 RF lock · / })
      .getByRole('row', { name: new RegExp(door) });
    const cells = async () => {
      const [unit, shownEui, state, link, , , configuration] = await row.locator('td').allTextContents();
      return { unit, shownEui, state, link, configuration };
    };
    await expect.poll(cells).toMatchObject({
      unit: 'Server room unit',
      shownEui: '00:12:4B:00:01:A2:B3:C4',
      state: 'Waiting to joinEnter its join code on the lock',
    });

    // The lock, started with the dialog's command: it joins, its unit configures it, and the row
    // follows the unit's reports live.
    const args = command
      .split(' ')
      .slice(3)
      .map((w) => (w === 'FILE' ? path.join(tmp, 'rflock.json') : w === 'HOST:PORT' ? airAt : w));
    const lock = (rfRunning.lock = startDevice(['sim', 'rflock', ...args], 'lintel sim rflock'));
    await lock.waitFor(/Type help for commands/m);
    await expect.poll(cells, DEVICE_LOOK).toMatchObject({
      state: 'OnlineJoined',
      link: expect.stringMatching(/^(Good|Fair|Poor)\b.* \(\d+\)$/),
    });
    // Its unit has given it its door's configuration and the site's blacklist.
    await expect
      .poll(cells, DEVICE_LOOK)
      .toMatchObject({ configuration: expect.stringMatching(/^Up to date/) });
    const viewport = pageA.viewportSize()!;
    await pageA.setViewportSize({ width: 1600, height: viewport.height });
    await pageA.waitForLoadState('networkidle');
    await shot(pageA, 'rf-locks.png');
    await pageA.setViewportSize(viewport);
    expect(await axeProblems(pageA, 'RF locks with a joined lock')).toEqual([]);
  }, 120_000);

  it('sets up the relay, invites a phone, issues it a mobile key and sees it delivered, live', async () => {
    // A relay on a free port: its first start prints the URL, fingerprint and service secret once.
    const relay = (mobileRunning.relay = startDevice(
      ['relay', '--data-dir', path.join(tmp, 'relay'), '--port', '0'],
      'lintel relay',
    ));
    const [, url] = await relay.waitFor(/^Lintel relay: (\S+)$/m);
    const [, fingerprint] = await relay.waitFor(/^TLS certificate SHA-256: (\S+)$/m);
    const [, secret] = await relay.waitFor(/^Service secret: (\S+)$/m);

    await open(pageA, 'Mobile keys');
    const relayPanel = pageA.getByRole('region', { name: 'Relay' });
    await expect.poll(async () => (await factsIn(relayPanel)).Status).toBe('Not set up');
    await relayPanel.getByRole('button', { name: 'Set up the relay' }).click();
    const relayForm = relayPanel.getByRole('form', { name: 'Relay settings' });
    await relayForm.getByLabel('Relay URL', { exact: true }).fill(url!);
    await relayForm.getByLabel('Certificate fingerprint', { exact: true }).fill(fingerprint!);
    await relayForm.getByLabel('Service secret', { exact: true }).fill(secret!);
    await relayForm.getByRole('button', { name: 'Save and check the relay' }).click();
    await relayPanel.getByRole('status').filter({ hasText: 'The relay answered and is set up.' }).waitFor();
    expect(await factsIn(relayPanel)).toMatchObject({ Status: 'Answering', URL: url });

    // Ada's detail: invite her phone.
    await open(pageA, 'Users');
    await pageA.getByRole('searchbox', { name: 'Search users' }).fill('lovel');
    await pageA.getByRole('button', { name: 'Ada Lovelace', exact: true }).click();
    const mobile = pageA.getByRole('region', { name: 'Mobile keys of Ada Lovelace' });
    await mobile.getByText('No phone enrolled yet.').waitFor();
    await mobile.getByRole('button', { name: 'Invite a phone' }).click();
    const dialog = pageA.getByRole('dialog', { name: 'Invitation for a phone of Ada Lovelace' });
    expect(await dialog.getByLabel('Relay URL', { exact: true }).inputValue()).toBe(url);
    const enrol = await dialog.getByLabel('Phone command', { exact: true }).inputValue();
    expect(enrol).toMatch(new RegExp(`^enrol ${url} ${fingerprint} \\S+$`));
    await dialog.getByRole('button', { name: 'Done: I have handed over the code' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await expect.poll(() => mobile.textContent()).toContain('Invitation waiting for a phone');

    // The phone enrols with what the dialog showed; the Service hears of it from the relay, live.
    const label = 'Ada’s phone';
    const phone = (mobileRunning.phone = startDevice(
      ['sim', 'phone', '--state', path.join(tmp, 'phone.json'), '--label', label],
      'lintel sim phone',
    ));
    await phone.waitFor(/Type help for commands/m);
    phone.send(enrol);
    await phone.waitFor(/^enrolled as phone \S+/m);
    const phones = mobile.getByRole('table', { name: '1 phone' });
    await phones.waitFor({ timeout: DEVICE_LOOK.timeout });
    expect(await phones.locator('tbody th').first().textContent()).toBe(label);

    // A key for it, sealed by the NCoder paired earlier; sent, then delivered once the phone fetches.
    const issue = mobile.getByRole('form', { name: 'Issue a mobile key' });
    await issue.getByRole('button', { name: 'Issue mobile key' }).click();
    const issued = mobile.getByRole('status').filter({ hasText: /^Mobile key \d+ was issued and sent to / });
    await issued.waitFor();
    expect(await issued.textContent()).toContain(label);
    const keyRow = mobile.getByRole('table', { name: '1 mobile key' }).locator('tbody tr').first();
    await expect.poll(() => keyRow.textContent()).toContain('Sent');
    const mark = phone.stdout().length;
    phone.send('fetch');
    await phone.waitFor(/^fetched: /m, mark);
    await expect.poll(() => keyRow.textContent(), DEVICE_LOOK).toContain('Delivered');
    await pageA.waitForLoadState('networkidle');
    // The panel alone: the user's whole detail is a long page.
    await pageA.evaluate('document.activeElement?.blur()');
    await mobile.screenshot({ path: path.join(SHOTS, 'mobile-keys.png') });
    expect(await axeProblems(pageA, 'A user’s mobile keys')).toEqual([]);

    // The site-wide list names the key too.
    await open(pageA, 'Mobile keys');
    const all = pageA.getByRole('table', { name: '1 mobile key' });
    await expect.poll(() => all.textContent()).toContain('Ada Lovelace');
  }, 120_000);

  it('makes the new operator change the temporary password, then shows only what their role allows', async () => {
    await pageA.getByRole('button', { name: 'Log out' }).click();
    await heading(pageA, 'Log in');
    await pageA.getByLabel('Username', { exact: true }).fill(FRONTDESK.username);
    await pageA.getByLabel('Password', { exact: true }).fill(FRONTDESK.temporary);
    await pageA.getByRole('button', { name: 'Log in' }).click();
    await heading(pageA, 'Change your password');
    expect(await pageA.getByRole('navigation').count()).toBe(0);

    await pageA.getByLabel('Current password', { exact: true }).fill(FRONTDESK.temporary);
    await pageA.getByLabel('New password', { exact: true }).fill(FRONTDESK.password);
    await pageA.getByLabel('Confirm new password', { exact: true }).fill(FRONTDESK.password);
    const stream = pageA.waitForResponse(
      (r) => new URL(r.url()).pathname === '/events' && r.status() === 200,
    );
    await pageA.getByRole('button', { name: 'Change password and continue' }).click();
    await heading(pageA, 'Harbour Office (B)');
    await stream;
    await pageA.getByText(`Logged in as ${FRONTDESK.displayName}`).waitFor();
    // The built-in operator role reads the access model and cardholders, but not operators or settings.
    expect(await navLinks(pageA)).toEqual(['Home', ...ACCESS_SECTIONS, 'My account']);
    expect(await pageA.getByRole('button', { name: 'Save name' }).count()).toBe(0);

    await open(pageA, 'My account');
    const mine = pageA.getByRole('table', { name: 'Your live sessions' });
    await expect.poll(() => mine.textContent()).toContain('this session');

    // A section the role does not allow, asked for by its address, falls back to home.
    await pageA.evaluate("location.hash = '#/operators'");
    await heading(pageA, 'Harbour Office (B)');
  });

  it('shows the administrator the operator changes in the audit log, and an intact hash chain', async () => {
    await pageA.getByRole('button', { name: 'Log out' }).click();
    await logIn(pageA, 'Harbour Office (B)');
    await open(pageA, 'Audit log');
    await pageA.getByLabel('Action', { exact: true }).fill('operators.');
    const listed = pageA.waitForResponse((r) => r.request().postData()?.includes('"operators."') ?? false);
    await pageA.getByRole('button', { name: 'Apply filters' }).click();
    await listed;
    const table = pageA.getByRole('table', { name: /entr/ });
    await expect.poll(() => table.textContent()).toContain('operators.create');
    const actions = await table.locator('tbody tr td:nth-child(4)').allTextContents();
    expect(actions.length).toBeGreaterThan(0);
    for (const action of actions) expect(action).toMatch(/^operators\./);

    await pageA.getByRole('button', { name: 'Verify chain' }).click();
    await pageA.getByRole('status').filter({ hasText: 'The audit chain is intact' }).waitFor();
    await shot(pageA, 'audit-log.png');
  });

  it('has no serious or critical accessibility problems on any screen (axe, WCAG 2 A and AA)', async () => {
    await pageA.getByRole('button', { name: 'Log out' }).click();
    await heading(pageA, 'Log in');
    const found: string[] = [];
    const check = async (where: string) => found.push(...(await axeProblems(pageA, where)));
    await check('login');
    await pageA.getByLabel('Username', { exact: true }).fill(ADMIN.username);
    await pageA.getByLabel('Password', { exact: true }).fill(ADMIN.password);
    await pageA.getByRole('button', { name: 'Log in' }).click();
    await pageA.getByRole('navigation', { name: 'Console sections' }).waitFor();
    for (const link of await navLinks(pageA)) {
      await pageA
        .getByRole('navigation', { name: 'Console sections' })
        .getByRole('link', { name: link })
        .click();
      await pageA.locator('main h1').waitFor();
      await pageA.waitForLoadState('networkidle');
      await check(link);
    }
    expect(found).toEqual([]);
    // Every screen analysed in turn: about 30 s on a quiet machine, more on a busy one.
  }, 180_000);

  it('speaks Spanish and turns dark when asked, and remembers both', async () => {
    await pageA.getByRole('combobox', { name: 'Language' }).selectOption('Español');
    await pageA.getByText('Oscuro', { exact: true }).click();
    const nav = pageA.getByRole('navigation', { name: 'Secciones de la consola' });
    await nav.getByRole('link', { name: 'Usuarios' }).click();
    await heading(pageA, 'Usuarios');
    expect(await pageA.evaluate('document.documentElement.lang')).toBe('es');
    expect(await pageA.evaluate("document.documentElement.getAttribute('data-mantine-color-scheme')")).toBe(
      'dark',
    );
    await pageA.reload();
    await heading(pageA, 'Usuarios');
    await shot(pageA, 'users-es-dark.png');
    await nav.getByRole('link', { name: 'Inicio' }).click();
    await pageA.locator('main h1').waitFor();
    await shot(pageA, 'home-es-dark.png');
    await pageA.getByRole('combobox', { name: 'Idioma' }).selectOption('English');
    await pageA.getByText('Light', { exact: true }).click();
    await pageA.getByRole('navigation', { name: 'Console sections' }).waitFor();
  });

  it('saw no console errors, page errors or CSP violations', () => {
    expect(problems).toEqual([]);
  });
});
