import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { listenBle } from './ble-link.js';
import { serveMobileOpenings } from './mobile-openings.js';
import { accessOf, cheapHasher, mobileLock, WED_11, WED_11_S } from './mobile-test-kit.js';
import { decodeOpeningMessage } from './opening-messages.js';
import { MobileLockEnd, type MobileOutcome } from './opening.js';
import { Phone } from './phone.js';
import { runPhoneLine } from './phone-cli.js';
import { sealToken, tokenAccessBytes } from './token.js';

/**
 * `replay HOST:PORT`: the phone plays the attacker who recorded its last OPEN off the air, against a
 * real lock (OfflineLock on the BLE-like link, real UDP on loopback), and the lock refuses it.
 */

const GROUP = Buffer.alloc(32, 0x5e);
const closers: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
});

/** A phone holding a key for credential 42 at the test door. */
function phoneWithKey(file?: string): Phone {
  const phone = Phone.create(file, { now: () => WED_11 });
  const taken = phone.take(
    sealToken(GROUP, {
      notBefore: WED_11_S - 3600,
      notAfter: WED_11_S + 86_400,
      devicePublicKey: Buffer.from(phone.devicePublicKey, 'hex'),
      accessData: tokenAccessBytes(accessOf(42)),
      pinHash: null,
    }),
  );
  if (taken !== true) throw new Error(`phoneWithKey: ${taken}`);
  return phone;
}

/** A lock serving phones, keeping every message that reached it and every outcome it judged. */
async function servedLock() {
  const { lock, memory } = mobileLock(GROUP);
  const outcomes: MobileOutcome[] = [];
  const served = await serveMobileOpenings({
    port: 0,
    lock,
    pins: cheapHasher,
    onOutcome: (o) => outcomes.push(o),
  });
  closers.push(() => served.close());
  // What the lock's radio took in, as its opening end saw it: the proof the replay arrived unchanged.
  const received: Buffer[] = [];
  const handle = served.end.handle.bind(served.end);
  served.end.handle = (bytes) => {
    received.push(Buffer.from(bytes));
    return handle(bytes);
  };
  return { memory, outcomes, received, address: `127.0.0.1:${served.port}` };
}

describe('phone replay', () => {
  it('sends the recorded OPEN byte for byte, and the lock refuses it as an unknown challenge', async () => {
    const { memory, outcomes, received, address } = await servedLock();
    const phone = phoneWithKey();
    expect(await runPhoneLine(phone, `open ${address}`)).toBe('lock LK-TEST01: granted');
    const recorded = phone.lastOpening!;
    expect(recorded).toMatchObject({
      lockId: 'LK-TEST01',
      host: '127.0.0.1',
      port: Number(address.split(':')[1]),
    });
    expect(decodeOpeningMessage(recorded.bytes).type).toBe('open');
    expect(received.map((b) => decodeOpeningMessage(b).type)).toEqual(['hello', 'open']);
    expect(received[1]).toEqual(recorded.bytes);
    const grantedBefore = memory.state.audit.records.filter((r) => r.event === 'granted').length;

    expect(await runPhoneLine(phone, `replay ${address}`)).toBe(
      'lock LK-TEST01: denied (unknown-challenge: ask for a new challenge)',
    );
    // A fresh HELLO, then the recorded OPEN exactly as it first went on the air.
    expect(received.map((b) => decodeOpeningMessage(b).type)).toEqual(['hello', 'open', 'hello', 'open']);
    expect(received[3]).toEqual(recorded.bytes);
    expect(received[3]).toEqual(received[1]);
    expect(outcomes.map((o) => [o.granted, o.reason])).toEqual([
      [true, null],
      [false, 'unknown-challenge'],
    ]);
    expect(memory.state.audit.records.at(-1)).toMatchObject({
      event: 'denied',
      detail: expect.stringMatching(/^phone: unknown-challenge: /),
    });
    expect(memory.state.audit.records.filter((r) => r.event === 'granted')).toHaveLength(grantedBefore);
    // The recording is not spent by a replay: the attacker can try again, and is refused again.
    expect(await runPhoneLine(phone, `replay ${address}`)).toMatch(/: denied \(unknown-challenge/);

    // The honest path is untouched: the phone still opens, and its new OPEN is what it keeps now.
    expect(await runPhoneLine(phone, `open ${address}`)).toBe('lock LK-TEST01: granted');
    expect(phone.lastOpening!.bytes).not.toEqual(recorded.bytes);
    expect(phone.lastOpening!.bytes).toEqual(received.at(-1));
  });

  it('has nothing to replay before an opening, and keeps the recording out of its state file', async () => {
    const { address } = await servedLock();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lintel-phone-replay-'));
    closers.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    const file = path.join(dir, 'phone.json');
    const phone = phoneWithKey(file);
    await expect(runPhoneLine(phone, `replay ${address}`)).rejects.toThrow(
      'replay: open a lock first; there is nothing to replay',
    );
    await expect(runPhoneLine(phone, 'replay nowhere')).rejects.toThrow(/replay HOST:PORT/);

    expect(await runPhoneLine(phone, `open ${address}`)).toBe('lock LK-TEST01: granted');
    const bytes = phone.lastOpening!.bytes;
    const saved = fs.readFileSync(file, 'utf8');
    for (const encoding of ['hex', 'base64', 'base64url'] as const)
      expect(saved).not.toContain(bytes.subarray(1, 49).toString(encoding));
    // Restarted from its file, the phone remembers no opening.
    const again = Phone.open(file, { now: () => WED_11 });
    expect(again.lastOpening).toBeUndefined();
    await expect(runPhoneLine(again, `replay ${address}`)).rejects.toThrow(/nothing to replay/);
  });

  it('says so plainly when the lock closes the connection instead of answering', async () => {
    const { address } = await servedLock();
    const phone = phoneWithKey();
    expect(await runPhoneLine(phone, `open ${address}`)).toBe('lock LK-TEST01: granted');
    const jammer = await jammedLock(() => true);
    expect(await runPhoneLine(phone, `replay ${jammer.address}`)).toBe(
      'lock LK-TEST01: no answer (ble-link: the peer disconnected)',
    );
  });

  it('delivers an OPEN that never reached the lock while its challenge is still good', async () => {
    // The attack replay cannot stop: jam the real OPEN, then hand it over within the challenge's 10 s.
    let jam = true;
    const jammer = await jammedLock(() => jam);
    const phone = phoneWithKey();
    await expect(runPhoneLine(phone, `open ${jammer.address}`)).rejects.toThrow(/peer disconnected/);
    expect(phone.lastOpening?.lockId).toBe('LK-TEST01');
    jam = false;
    expect(await runPhoneLine(phone, `replay ${jammer.address}`)).toMatch(
      /^lock LK-TEST01: answered with a sealed result this phone cannot read/,
    );
    expect(jammer.memory.state.audit.records.at(-1)).toMatchObject({ event: 'granted', credentialId: 42 });
  });
});

/**
 * A lock on the link whose radio can be jammed: it hands out challenges, but while `jam()` says so it
 * hangs up on an OPEN before its opening end sees it (so that challenge stays pending).
 */
async function jammedLock(jam: () => boolean) {
  const { lock, memory } = mobileLock(GROUP);
  const end = new MobileLockEnd({ lock, pins: cheapHasher });
  const server = await listenBle({ port: 0 }, (conn) => {
    void (async () => {
      try {
        for (;;) {
          const message = await conn.receive(5000);
          if (jam() && decodeOpeningMessage(message).type === 'open') break;
          await conn.send((await end.handle(message)).reply);
        }
      } catch {
        // the phone went away: nothing to do
      }
      conn.close();
    })();
  });
  closers.push(() => server.close());
  return { memory, address: `127.0.0.1:${server.port}` };
}
