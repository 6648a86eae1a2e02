// The tour of the demo site (docs/tour.md) as a real run: `lintel demo` on a temporary folder, its
// console in Debian's Chromium under playwright-core, and the demo's hands on its stdin. Two stories —
// an administrator's day and a technician's round — each step asserting what the screen shows before
// its screenshot goes to docs/screenshots/tour-*.png, so the tour's pictures are the console as it is.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AxeBuilder } from '@axe-core/playwright';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireBuild, startDemo, type DemoProcess } from '../helpers/lintel-process.js';
import { repoRoot } from '../helpers/temp-site.js';

const CHROMIUM = '/usr/bin/chromium';
const SHOTS = path.join(repoRoot, 'docs', 'screenshots');
/** The demo's site, as it names itself on the home screen. */
const SITE = 'Lintel demo site';
/** The new employee of the administrator's story (no one in the demo's crowd is called Hopper). */
const NEW_HIRE = { first: 'Grace', last: 'Hopper', name: 'Grace Hopper' };
/** A card at a door goes reader → control unit → decision → Service: a few seconds, more on a busy machine. */
const LIVE = { timeout: 30_000 };

/** What the page saw that it should not have: a screenshot of an error fails the test. */
const problems: string[] = [];

let tmp: string;
let demo: DemoProcess | undefined;
let browser: Browser | undefined;
let page: Page;
/** The PPD's console cable, as the demo printed it. */
let ppdPort: string;

/** Waits until a heading with exactly this name shows. */
async function heading(name: string | RegExp): Promise<void> {
  await page.getByRole('heading', { level: 1, name, exact: typeof name === 'string' }).waitFor();
}

/** Opens a section from the navigation bar and waits for its heading. */
async function open(link: string, title = link): Promise<void> {
  await page.getByRole('navigation', { name: 'Console sections' }).getByRole('link', { name: link }).click();
  await heading(title);
}

/** A documentation screenshot, without a focus ring on the field filled last, once nothing is loading. */
async function shot(name: string, of?: Locator): Promise<void> {
  await page.waitForLoadState('networkidle');
  await page.evaluate('document.activeElement?.blur()');
  expect(problems).toEqual([]);
  const file = path.join(SHOTS, `tour-${name}.png`);
  if (of) await of.screenshot({ path: file });
  else await page.screenshot({ path: file, fullPage: true });
}

/** The facts a `<dl>` list shows in a part of the page, as term → description. */
async function factsIn(part: Locator): Promise<Record<string, string>> {
  const terms = await part.locator('dt').allTextContents();
  const descriptions = await part.locator('dd').allTextContents();
  return Object.fromEntries(terms.map((term, i) => [term, descriptions[i] ?? '']));
}

/** The serious and critical WCAG 2 A and AA problems axe finds on the page as it is now. */
async function axeProblems(where: string): Promise<string[]> {
  const report = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa']).analyze();
  return report.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${where}: ${v.id} (${v.impact}) ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

/** Types a hands command and returns what the hands said about it (the first group of `answer`). */
async function hands(line: string, answer: RegExp): Promise<string> {
  const m = await demo!.hands(line, answer);
  return m[1] ?? m[0];
}

/** The events table's rows that carry every one of these texts. */
function eventRows(...texts: string[]): Locator {
  let rows = page.getByRole('table', { name: /newest first/ }).locator('tbody tr');
  for (const t of texts) rows = rows.filter({ hasText: t });
  return rows;
}

/** Opens a user's detail from the Users list, found by a search. */
async function openUser(search: string, name: string): Promise<Locator> {
  await open('Users');
  await page.getByRole('searchbox', { name: 'Search users' }).fill(search);
  await expect.poll(() => page.getByRole('table', { name: /user/ }).locator('tbody tr').count()).toBe(1);
  await page.getByRole('button', { name, exact: true }).click();
  const keys = page.getByRole('region', { name: `Keys of ${name}`, exact: true });
  await keys.waitFor();
  return keys;
}

beforeAll(async () => {
  requireBuild({ console: true });
  if (!fs.existsSync(CHROMIUM))
    throw new Error(`tour e2e: no Chromium at ${CHROMIUM}: install it with \`apt-get install -y chromium\``);
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lintel-tour-'));
  demo = await startDemo(path.join(tmp, 'demo'));
  const cable = /^The PPD's console cable is the serial port (\S+) /m.exec(demo.stdout());
  if (!cable) throw new Error(`lintel demo printed no PPD port:\n${demo.stdout()}`);
  ppdPort = cable[1]!;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-sync'],
  });
  // The demo's certificate is self-signed, as serve's is in console.test.ts: the browser is told to go on.
  const context = await browser.newContext({ ignoreHTTPSErrors: true, colorScheme: 'light' });
  context.setDefaultTimeout(15_000);
  page = await context.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  fs.mkdirSync(SHOTS, { recursive: true });
}, 300_000);

afterAll(async () => {
  await browser?.close().catch(() => undefined);
  const running = demo !== undefined && demo.proc.exitCode === null && demo.proc.signalCode === null;
  const code = await demo?.stop('SIGINT');
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  if (demo && !running) throw new Error(`lintel demo stopped during the run:\n${demo.stderr()}`);
  // Ctrl-C stops every process the demo started, cleanly.
  if (demo && code !== 0) throw new Error(`lintel demo exited with ${code} on SIGINT:\n${demo.stderr()}`);
}, 60_000);

describe('an administrator’s day', () => {
  it('logs in with the password the demo printed and sees the site', async () => {
    await page.goto(demo!.url);
    await heading('Log in');
    await page.getByLabel('Username', { exact: true }).fill(demo!.admin.username);
    await page.getByLabel('Password', { exact: true }).fill(demo!.admin.password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await heading(SITE);
    // The dashboard counts the demo's five doors and its three online devices.
    await expect.poll(() => page.locator('main').textContent()).toMatch(/5 doors.*Online: 3/is);
    await shot('home');
  });

  it('lists the site’s few hundred users and finds Ada by her surname', async () => {
    await open('Users');
    // The table is named by its count, which reads 0 until the first page of users has arrived.
    const table = page.getByRole('table', { name: /^[\d,]+ users?$/ });
    const count = async () =>
      Number(((await table.getAttribute('aria-label')) ?? '').replace(/\D/g, '') || '0');
    await expect.poll(count).toBeGreaterThanOrEqual(300);
    expect(await table.locator('tbody tr').count()).toBeGreaterThan(5);
    await shot('users');
    await page.getByRole('searchbox', { name: 'Search users' }).fill('Lovelace');
    const rows = page.getByRole('table', { name: '1 user' }).locator('tbody tr');
    await expect.poll(() => rows.allTextContents()).toEqual([expect.stringContaining('Ada Lovelace')]);
    await shot('users-search');
  });

  it('shows Ada’s detail with her card key', async () => {
    const keys = await openUser('Lovelace', 'Ada Lovelace');
    const table = keys.getByRole('table', { name: '1 key' });
    await expect.poll(() => table.locator('tbody tr').first().textContent()).toContain('Issued');
    // The keys alone: the whole detail (form, fingerprint, phones, events) is a long page.
    await shot('user-detail', keys);
  });

  it('sees Ada let in at the Entrance and Carol refused outside her period, live', async () => {
    await open('Events', 'Access events');
    await page.getByRole('table', { name: /newest first/ }).waitFor();
    await page.getByText('Live', { exact: true }).waitFor();
    const before = await eventRows('Entrance', 'Access granted', 'Ada Lovelace').count();
    expect(await hands('card ada at entrance', /^Entrance: Ada’s card → (.*)$/m)).toMatch(/^granted/);
    await expect
      .poll(() => eventRows('Entrance', 'Access granted', 'Ada Lovelace').count(), LIVE)
      .toBe(before + 1);

    const carol = await hands('card carol at entrance', /^Entrance: Carol’s card → (.*)$/m);
    // Carol cleans on weekday evenings and Saturday mornings: the tour runs outside them but for a few hours a week.
    const inShift = /^granted/.test(carol);
    if (!inShift) expect(carol).toMatch(/^denied \(outside-time-period\)/);
    const refused = inShift
      ? eventRows('Entrance', 'Access granted', 'Carol Cleaver')
      : eventRows('Entrance', 'Access denied', 'Carol Cleaver', 'Outside the time period');
    await expect.poll(() => refused.count(), LIVE).toBe(1);
    await shot('events-live');
  });

  let cardName: string;
  it('takes on a new employee: a user created, a blank card encoded for her, and it opens the Entrance', async () => {
    await open('Users');
    await page.getByRole('button', { name: 'New user' }).click();
    const form = page.getByRole('form', { name: 'New user' });
    await form.getByLabel('First name (optional)').fill(NEW_HIRE.first);
    await form.getByLabel('Last name', { exact: true }).fill(NEW_HIRE.last);
    await form.getByLabel('Department (optional)').fill('Research');
    await form.getByRole('checkbox', { name: 'Staff (24/7)' }).check();
    await form.getByRole('button', { name: 'Create user' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: `User “${NEW_HIRE.name}” created` })
      .waitFor();

    cardName = await hands('blank', /^A blank card \((\S+)\) lies on the NCoder/m);
    await open('Encoder', 'Card encoder');
    const encoder = page.getByRole('region', { name: 'The NCoder' });
    const card = page.getByRole('region', { name: 'The card' });
    await expect
      .poll(async () => (await factsIn(encoder))['Card on the encoder'], { timeout: 10_000 })
      .toMatch(/^[0-9A-F]{14}$/);
    expect((await factsIn(encoder)).State).toBe('Ready');
    const picker = card.getByRole('combobox', { name: 'Cardholder' });
    await picker.click();
    await picker.fill(NEW_HIRE.last);
    await page.getByRole('option', { name: NEW_HIRE.name, exact: true }).click();
    await card.getByRole('button', { name: 'Encode the card' }).click();
    await card
      .getByRole('status')
      .filter({ hasText: new RegExp(`^Key [0-9A-F]{14} encoded for ${NEW_HIRE.name}\\.`) })
      .waitFor({ timeout: 30_000 });
    const report = page.getByRole('region', { name: 'What the card holds' });
    expect(await factsIn(report)).toMatchObject({ Holder: NEW_HIRE.name, 'Key status': 'Issued' });
    await shot('encoder');

    expect(await hands('take', /^You hold card (\S+):/m)).toBe(cardName);
    expect(await hands(`card ${cardName} at entrance`, /^Entrance: card \S+ → (.*)$/m)).toMatch(/^granted/);
  });

  it('cancels Bob’s lost card, and the Entrance refuses it as blacklisted, live', async () => {
    const keys = await openUser('Baker', 'Bob Baker');
    await keys.getByRole('button', { name: /^Cancel key / }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Cancel key', exact: true }).click();
    await keys
      .getByRole('status')
      .filter({ hasText: /^Key \S+ cancelled and blacklisted/ })
      .waitFor();
    await expect
      .poll(() => keys.getByRole('table', { name: '1 key' }).locator('td').first().textContent())
      .toBe('Cancelled');
    await shot('key-cancelled', page.getByRole('region', { name: 'Keys of Bob Baker', exact: true }));

    await open('Events', 'Access events');
    await page.getByText('Live', { exact: true }).waitFor();
    // The blacklist reaches the control unit through the gateway: a card presented meanwhile still opens.
    let answer = '';
    await expect
      .poll(
        async () => (answer = await hands('card bob at entrance', /^Entrance: Bob’s card → (.*)$/m)),
        LIVE,
      )
      .toMatch(/^denied \(blacklisted\)/);
    expect(answer).toMatch(/^denied \(blacklisted\)/);
    await expect
      .poll(() => eventRows('Entrance', 'Access denied', 'Bob Baker', 'Key blacklisted').count(), LIVE)
      .toBe(1);
    await eventRows('Bob Baker', 'Key cancelled').first().waitFor();
    await shot('events-blacklisted');
  });

  it('shows the gateway and both control units online and up to date, with their readers', async () => {
    await open('Gateways and control units');
    const devices = page.getByRole('region', { name: 'Devices' });
    const table = devices.getByRole('table', { name: '3 devices' });
    // The new user and the cancelled key moved the site's configuration on: each device takes it in turn.
    for (const name of ['Gateway building A', 'CU main building', 'CU annex (RF node)'])
      await expect
        .poll(
          () =>
            table.getByRole('row', { name: new RegExp(`^${name.replace(/[()]/g, '\\$&')}`) }).textContent(),
          { timeout: 60_000 },
        )
        .toMatch(/Online.*Up to date/);
    const main = (await table.getByRole('row', { name: /^CU main building/ }).textContent()) ?? '';
    for (const said of ['Reader 0 · Entrance', 'Reader 1 · Lab', 'Secure']) expect(main).toContain(said);
    await shot('devices');
  }, 120_000);

  it('shows the Store room’s RF lock joined and online', async () => {
    await open('RF locks');
    const row = page
      .getByRole('table', { name: /^1 RF lock · 1 online/ })
      .getByRole('row', { name: /Store room/ });
    await expect.poll(() => row.textContent(), LIVE).toContain('Joined');
    await shot('rf-locks');
  });

  it('shows Dan’s mobile key delivered to his phone', async () => {
    await open('Mobile keys');
    const table = page.getByRole('table', { name: '1 mobile key' });
    const dan = table.getByRole('row', { name: /Dan Mobile/ });
    await expect.poll(() => dan.textContent()).toContain('Dan’s phone');
    expect(await dan.textContent()).toContain('Delivered');
    await shot('mobile-keys');
    expect(await axeProblems('Mobile keys')).toEqual([]);
  });
});

describe('a technician’s round', () => {
  it('shows what each offline lock needs: the cancelled key for its blacklist', async () => {
    // Ada passes Room 101 before the round: the lock's own record of it comes back with the PPD.
    expect(await hands('card ada at room 101', /^Room 101: Ada’s card → (.*)$/m)).toMatch(/^granted/);
    await open('Offline locks', 'Offline locks and the programming device');
    const table = page.getByRole('table', { name: /^2 offline locks · 2 need a visit/ });
    for (const door of ['Room 101', 'Room 102'])
      await expect
        .poll(() => table.getByRole('row', { name: new RegExp(door) }).textContent())
        .toContain('Keys cancelled since the last visit: 1 cancellations it does not hold yet');
    await shot('offline-needs');
  });

  let roundId: string;
  it('checks the PPD on its serial port and loads a round for Room 101 and Room 102', async () => {
    const panel = page.getByRole('region', { name: 'Programming device (PPD)' });
    await panel.getByLabel('Serial port', { exact: true }).selectOption({ label: 'Another path…' });
    await panel.getByLabel('Port path', { exact: true }).fill(ppdPort);
    await panel.getByRole('button', { name: 'Check PPD' }).click();
    await expect
      .poll(() => factsIn(panel))
      .toMatchObject({ Paired: 'With this site', 'Results to import': '0' });
    await page.getByRole('button', { name: 'Select all that need a visit' }).click();
    await panel.getByRole('button', { name: 'Load round for 2 locks' }).click();
    const loaded = panel.getByRole('status').filter({ hasText: /^Round \S+ loaded: 2 locks to visit/ });
    await loaded.waitFor({ timeout: 30_000 });
    roundId = /^Round (\S+) loaded/.exec((await loaded.textContent()) ?? '')![1]!;
    for (const door of ['Room 101', 'Room 102'])
      await expect
        .poll(() =>
          page
            .getByRole('table', { name: /offline locks/ })
            .getByRole('row', { name: new RegExp(door) })
            .textContent(),
        )
        .toContain(`In round ${roundId}, loaded in a PPD and not synced yet`);
    await shot('ppd-round');
  });

  it('carries the PPD to both locks and syncs it back: the locks up to date', async () => {
    for (const [door, name] of [
      ['room 101', 'Room 101'],
      ['room 102', 'Room 102'],
    ] as const)
      expect(await hands(`visit ${door}`, new RegExp(`^${name}: the PPD says (.*) \\(sync it`, 'm'))).toMatch(
        /^updated/,
      );
    const panel = page.getByRole('region', { name: 'Programming device (PPD)' });
    await panel.getByRole('button', { name: 'Sync', exact: true }).click();
    await panel
      .getByRole('status')
      .filter({ hasText: 'Synced: 2 visit results imported.' })
      .waitFor({ timeout: 30_000 });
    const visits = panel.getByRole('table', { name: 'The visits of the rounds synced, lock by lock' });
    for (const door of ['Room 101', 'Room 102'])
      expect(
        await visits
          .getByRole('row', { name: new RegExp(door) })
          .locator('td')
          .first()
          .textContent(),
      ).toBe('Updated');
    const table = page.getByRole('table', { name: /^2 offline locks · 0 need a visit/ });
    for (const door of ['Room 101', 'Room 102'])
      await expect
        .poll(() => table.getByRole('row', { name: new RegExp(door) }).textContent())
        .toContain('No visit needed');
    await shot('offline-synced');
    // The lock now holds the blacklist: Bob's cancelled card no longer opens Room 101 either.
    expect(await hands('card bob at room 101', /^Room 101: Bob’s card → (.*)$/m)).toMatch(/^denied/);
  });

  it('shows Room 101’s audit trail, brought back by the round, in the events', async () => {
    await page.goto(`${demo!.url}#/events?door=${demo!.state.doors.room101}`);
    await heading('Access events');
    const rows = page.getByRole('table', { name: /newest first/ }).locator('tbody tr');
    await expect
      .poll(
        () =>
          rows
            .filter({ hasText: 'Ada Lovelace' })
            .filter({ hasText: 'PPD' })
            .filter({ hasText: 'Access granted' })
            .count(),
        LIVE,
      )
      .toBeGreaterThanOrEqual(1);
    for (const text of await rows.allTextContents()) expect(text).toContain('Room 101');
    await shot('events-room-101');
  });
});
