// The console in a real browser (Debian's Chromium under playwright-core) against the built
// `lintel serve`: first-run setup, login, live rename over SSE, cookie hygiene, CSP, logout.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireBuild, startServe, type ServeProcess } from '../helpers/lintel-process.js';
import { repoRoot } from '../helpers/temp-site.js';

const CHROMIUM = '/usr/bin/chromium';
const SHOTS = path.join(repoRoot, 'docs', 'screenshots');
const ADMIN = {
  username: 'admin',
  displayName: 'Site Administrator',
  password: 'correct horse battery staple',
};

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
async function logIn(page: Page, siteName: string): Promise<void> {
  await heading(page, 'Log in');
  const stream = page.waitForResponse((r) => new URL(r.url()).pathname === '/events' && r.status() === 200);
  await page.getByLabel('Username', { exact: true }).fill(ADMIN.username);
  await page.getByLabel('Password', { exact: true }).fill(ADMIN.password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await heading(page, siteName);
  await stream;
}

/** Takes a documentation screenshot without a focus ring on whatever field was filled last. */
async function shot(page: Page, name: string): Promise<void> {
  await page.evaluate('document.activeElement?.blur()');
  await page.screenshot({ path: path.join(SHOTS, name), fullPage: true });
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
  serve = await startServe(path.join(tmp, 'data'), path.join(tmp, 'keys', 'site.key'));
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
  await serve?.stop();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
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

  it('saw no console errors, page errors or CSP violations', () => {
    expect(problems).toEqual([]);
  });
});
