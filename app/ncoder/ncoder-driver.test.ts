import { describe, expect, it } from 'vitest';
import { rejectionOf } from '../../test/helpers/rejection.js';
import { NcoderError } from './ncoder-errors.js';
import { EchoCard, alterMessage, memoryRig } from './ncoder-test-kit.js';

const apdu = Uint8Array.of(0x90, 0x60, 0x00, 0x00, 0x00);

async function paired(opts: Parameters<typeof memoryRig>[0] = {}) {
  const rig = memoryRig(opts);
  const key = await rig.driver.pair();
  await rig.driver.authenticate(key);
  return { ...rig, key };
}

async function code(p: Promise<unknown>): Promise<string> {
  return (await rejectionOf(p, NcoderError)).code;
}

describe('NcoderDriver ↔ simulator', () => {
  it('tells who the encoder is, pairs it once, authenticates', async () => {
    const { driver, sim } = memoryRig({ serial: 'NC-TEST0001' });
    const before = await driver.info();
    expect(before).toMatchObject({ serial: 'NC-TEST0001', paired: false, protocol: 1 });
    expect(before.pairingPublicKey).toHaveLength(32);
    expect(await code(driver.authenticate(new Uint8Array(16)))).toBe('NOT_PAIRED');
    const key = await driver.pair();
    expect(key).toHaveLength(16);
    expect(sim.paired).toBe(true);
    const after = await driver.info();
    expect(after.paired).toBe(true);
    expect(after.pairingPublicKey).toBeUndefined();
    expect(await code(driver.pair())).toBe('ALREADY_PAIRED');
    await driver.authenticate(key);
    expect(driver.authenticated).toBe(true);
    expect(sim.inSession).toBe(true);
  });

  it('refuses a wrong pairing key as PAIRED_ELSEWHERE, and session requests without a session', async () => {
    const { driver, sim } = memoryRig();
    await driver.pair();
    expect(await code(driver.authenticate(new Uint8Array(16).fill(7)))).toBe('PAIRED_ELSEWHERE');
    expect(driver.authenticated).toBe(false);
    expect(sim.inSession).toBe(false);
    expect(await code(driver.poll())).toBe('PROTOCOL');
  });

  it('polls, transceives, resets the field', async () => {
    const { driver, sim } = await paired();
    expect(await driver.poll()).toBeNull();
    expect(await code(driver.transceive(apdu))).toBe('NO_CARD');
    const card = new EchoCard();
    sim.place(card);
    const activation = await driver.poll();
    expect(activation && [...activation.uid]).toEqual([...card.activation.uid]);
    expect(activation && [...activation.ats]).toEqual([...card.activation.ats]);
    expect(activation).toMatchObject({ atqa: 0x0344, sak: 0x20 });
    expect([...(await driver.transceive(apdu))]).toEqual([...apdu, 0x91, 0x00]);
    const big = new Uint8Array(600).fill(0xab); // several reports each way
    expect((await driver.transceive(big)).length).toBe(602);
    await driver.fieldReset();
    expect(card.powerOffs).toBe(1);
    expect(await code(driver.transceive(apdu))).toBe('NO_CARD'); // poll again first
    await driver.poll();
    await driver.beep(100);
    await driver.led('green');
  });

  it('says CARD_REMOVED when the card leaves, between APDUs or while answering', async () => {
    const { driver, sim } = await paired();
    const card = new EchoCard();
    sim.place(card);
    await driver.poll();
    sim.remove();
    expect(card.powerOffs).toBe(1);
    expect(await code(driver.transceive(apdu))).toBe('CARD_REMOVED');
    expect(await code(driver.transceive(apdu))).toBe('NO_CARD');
    sim.place(card);
    await driver.poll();
    card.during = () => sim.remove();
    expect(await code(driver.transceive(apdu))).toBe('CARD_REMOVED');
    expect(card.powerOffs).toBe(2);
  });

  it('says TIMEOUT when the card or the encoder does not answer', async () => {
    const { driver, sim } = await paired({ timeoutMs: 100 });
    sim.place(new EchoCard());
    await driver.poll();
    sim.field.mute = true;
    expect(await code(driver.transceive(apdu))).toBe('TIMEOUT');
    sim.field.mute = false;
    sim.tamper = () => [];
    expect(await code(driver.poll())).toBe('TIMEOUT');
    sim.tamper = undefined;
    // The late answer never came; the session goes on.
    expect(await driver.poll()).not.toBeNull();
  });

  it('fails the request in flight and every queued one with UNPLUGGED when the encoder goes', async () => {
    const { driver, sim, pair } = await paired({ timeoutMs: 5000 });
    sim.place(new EchoCard());
    await driver.poll();
    sim.tamper = () => []; // the encoder goes quiet, then away
    const inFlight = driver.transceive(apdu);
    const queued = [driver.poll(), driver.info(), driver.fieldReset()];
    setTimeout(() => pair.unplug(), 20);
    expect(await code(inFlight)).toBe('UNPLUGGED');
    for (const q of queued) expect(await code(q)).toBe('UNPLUGGED');
    expect(driver.closed).toBe(true);
    expect(await code(driver.info())).toBe('UNPLUGGED');
  });

  it('needs a new AUTH after a factory reset: NO_SESSION, then NOT_PAIRED', async () => {
    const { driver, sim, key } = await paired();
    sim.factoryReset();
    expect(await code(driver.poll())).toBe('PROTOCOL');
    expect(driver.authenticated).toBe(false);
    expect(await code(driver.authenticate(key))).toBe('NOT_PAIRED');
    const again = await driver.pair();
    await driver.authenticate(again);
    expect(await driver.poll()).toBeNull();
  });
});

describe('NcoderDriver: replayed, reordered, altered and truncated reports', () => {
  it('device: a replayed request is dropped and counted, and the session goes on', async () => {
    const { driver, sim } = await paired({ timeoutMs: 200 });
    const sent: Uint8Array[] = [];
    sim.tamper = (dir, r) => {
      if (dir === 'to-device') sent.push(r);
      return [r];
    };
    sim.place(new EchoCard());
    await driver.poll();
    const replays = sent.splice(0);
    let answered = 0;
    sim.tamper = (dir, r) => {
      if (dir === 'to-host') answered++;
      return [r];
    };
    for (const r of replays) sim.inject(r);
    await new Promise((r) => setTimeout(r, 20));
    expect(answered).toBe(0);
    expect(sim.stats.replayed).toBe(1);
    expect([...(await driver.transceive(apdu))]).toEqual([...apdu, 0x91, 0x00]);
  });

  it('device: an altered request is dropped (the host times out) and the session goes on', async () => {
    const { driver, sim } = await paired({ timeoutMs: 100 });
    sim.tamper = (dir, r) => (dir === 'to-device' ? [alterMessage(r, 12)] : [r]); // the ciphertext
    expect(await code(driver.poll())).toBe('TIMEOUT');
    expect(sim.stats.forged).toBe(1);
    sim.tamper = (dir, r) => (dir === 'to-device' ? [alterMessage(r, 1)] : [r]); // the xid (AAD)
    expect(await code(driver.poll())).toBe('TIMEOUT');
    expect(sim.stats.forged).toBe(2);
    sim.tamper = undefined;
    expect(await driver.poll()).toBeNull();
  });

  it('host: a duplicated answer is dropped as a replay', async () => {
    const { driver, sim } = await paired();
    sim.tamper = (dir, r) => (dir === 'to-host' ? [r, r] : [r]);
    expect(await driver.poll()).toBeNull();
    expect(await driver.poll()).toBeNull();
    await new Promise((r) => setTimeout(r, 10));
    expect(driver.stats.stale + driver.stats.replayed).toBe(2);
    expect(driver.authenticated).toBe(true);
  });

  it('host: an answer held back and delivered later (reordered) is ignored', async () => {
    const { driver, sim, pair } = await paired({ timeoutMs: 100 });
    let held: Uint8Array | undefined;
    sim.tamper = (dir, r) => {
      if (dir !== 'to-host' || held) return [r];
      held = r; // the answer to the first poll, kept back
      return [];
    };
    expect(await code(driver.poll())).toBe('TIMEOUT');
    sim.tamper = undefined;
    sim.place(new EchoCard());
    // The old answer (no card) arrives while the next poll waits: it is not taken for that poll's answer.
    const poll = driver.poll();
    pair.device.send(held!);
    expect(await poll).not.toBeNull();
    expect(driver.stats.stale).toBe(1);
  });

  it('host: an altered answer tears the session down (PROTOCOL); a new AUTH recovers', async () => {
    const { driver, sim, key } = await paired();
    sim.tamper = (dir, r) => (dir === 'to-host' ? [alterMessage(r, 20)] : [r]); // the ciphertext
    const err = await rejectionOf(driver.poll(), NcoderError);
    expect(err.code).toBe('PROTOCOL');
    expect(err.message).toMatch(/forged; the session was closed/);
    expect(driver.authenticated).toBe(false);
    expect(driver.stats.teardowns).toBe(1);
    sim.tamper = undefined;
    expect(await code(driver.poll())).toBe('PROTOCOL'); // no session until the next AUTH
    await driver.authenticate(key);
    expect(await driver.poll()).toBeNull();
  });

  it('host: a truncated report is refused by the framing and the request fails fast', async () => {
    const { driver, sim } = await paired({ timeoutMs: 10_000 });
    sim.place(new EchoCard());
    await driver.poll();
    let first = true;
    sim.tamper = (dir, r) => {
      if (dir !== 'to-host' || !first) return [r];
      first = false;
      const x = new Uint8Array(64);
      x.set(r.subarray(0, 30)); // the rest of the report lost
      return [x];
    };
    const started = Date.now();
    expect(await code(driver.transceive(new Uint8Array(200).fill(1)))).toBe('PROTOCOL');
    expect(Date.now() - started).toBeLessThan(5000);
    sim.tamper = undefined;
    expect((await driver.transceive(apdu)).length).toBe(7);
  });
});
