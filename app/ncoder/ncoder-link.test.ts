import { describe, expect, it } from 'vitest';
import { rejectionOf } from '../../test/helpers/rejection.js';
import { MemoryHidBus } from './hid-memory.js';
import { NcoderError } from './ncoder-errors.js';
import { NcoderLink, type NcoderLinkState } from './ncoder-link.js';
import { NcoderSimulator } from './ncoder-simulator.js';
import { EchoCard, alterMessage } from './ncoder-test-kit.js';

/** A bus, a simulator ready to plug in, and a link whose "Service" keeps keys in a map. */
function setup(sim = new NcoderSimulator({ serial: 'NC-LINK0001' })) {
  const bus = new MemoryHidBus();
  const keys = new Map<string, Uint8Array>();
  const link = new NcoderLink({
    devices: bus,
    pairingKey: (serial) => keys.get(serial),
    scanIntervalMs: 20,
    requestTimeoutMs: 300,
  });
  const states: NcoderLinkState[] = [];
  link.onChange((s) => states.push(s.state));
  const plug = () => bus.plug(sim.descriptor, (end) => sim.connect(end));
  return { bus, keys, link, sim, states, plug };
}

async function paired() {
  const s = setup();
  s.link.start();
  const path = s.plug();
  await s.link.whenState('unpaired');
  await s.link.pair((serial, key) => void s.keys.set(serial, key));
  return { ...s, path };
}

describe('NcoderLink', () => {
  it('finds the encoder, pairs it, and survives unplug and replug', async () => {
    const { link, keys, bus, sim, states, plug } = setup();
    link.start();
    expect(link.status).toEqual({ state: 'absent' });
    const first = plug();
    expect(await link.whenState('unpaired')).toMatchObject({ serial: 'NC-LINK0001', firmware: '1.0.0-sim' });
    const status = await link.pair((serial, key) => void keys.set(serial, key));
    expect(status.state).toBe('ready');
    expect(keys.get('NC-LINK0001')).toHaveLength(16);
    expect(sim.paired).toBe(true);

    bus.unplug(first);
    await link.whenState('absent');
    expect(await rejectionOf(link.poll(), NcoderError)).toMatchObject({ code: 'UNPLUGGED' });
    plug();
    await link.whenState('ready'); // re-authenticated by itself
    sim.place(new EchoCard());
    expect(await link.poll()).not.toBeNull();
    expect(states).toEqual(['unpaired', 'ready', 'absent', 'ready']);
    await link.stop();
    expect(link.status.state).toBe('absent');
  });

  it('says paired-elsewhere when the Service has no key or another one, until it has the right one', async () => {
    const sim = new NcoderSimulator();
    const other = setup(sim);
    other.link.start();
    other.plug();
    await other.link.whenState('unpaired');
    await other.link.pair((serial, key) => void other.keys.set(serial, key));
    await other.link.stop();

    const { link, keys, plug } = setup(sim);
    link.start();
    plug();
    await link.whenState('paired-elsewhere');
    expect(await rejectionOf(link.poll(), NcoderError)).toMatchObject({ code: 'PAIRED_ELSEWHERE' });
    keys.set(sim.serial, new Uint8Array(16).fill(1));
    expect((await link.refresh()).state).toBe('paired-elsewhere');
    expect(
      await rejectionOf(
        link.pair(() => {}),
        NcoderError,
      ),
    ).toMatchObject({ code: 'ALREADY_PAIRED' });
    keys.set(sim.serial, other.keys.get(sim.serial)!);
    expect((await link.refresh()).state).toBe('ready');
    await link.stop();
  });

  it('withCard: waits for a card, holds the encoder (busy), lets go', async () => {
    const { link, sim, states } = await paired();
    setTimeout(() => sim.place(new EchoCard()), 100);
    let inside: string | undefined;
    let kept: ((apdu: Uint8Array) => Promise<Uint8Array>) | undefined;
    const answer = await link.withCard(
      async (card) => {
        inside = link.status.state;
        kept = card.transceive;
        expect([...card.activation.uid]).toEqual([...new EchoCard().activation.uid]);
        return card.transceive(Uint8Array.of(0x90, 0x60, 0, 0, 0));
      },
      { waitMs: 2000 },
    );
    expect(inside).toBe('busy');
    expect(answer).toHaveLength(7);
    expect(link.status.state).toBe('ready');
    expect(states.slice(-2)).toEqual(['busy', 'ready']);
    expect(await rejectionOf(kept!(Uint8Array.of(1)), NcoderError)).toMatchObject({ code: 'PROTOCOL' });
    sim.remove();
    expect(
      await rejectionOf(
        link.withCard(async () => 1),
        NcoderError,
      ),
    ).toMatchObject({ code: 'NO_CARD' });
    expect(link.status.state).toBe('ready');
    await link.stop();
  });

  it('runs callers one at a time', async () => {
    const { link, sim } = await paired();
    sim.place(new EchoCard());
    const order: string[] = [];
    const a = link.withCard(async (card) => {
      order.push('a start');
      await new Promise((r) => setTimeout(r, 50));
      await card.transceive(Uint8Array.of(1));
      order.push('a end');
    });
    const b = link.withCard(async () => void order.push('b'));
    await Promise.all([a, b]);
    expect(order).toEqual(['a start', 'a end', 'b']);
    await link.stop();
  });

  it('re-authenticates by itself after a torn-down session, and notices a factory reset', async () => {
    const { link, sim } = await paired();
    sim.tamper = (dir, r) => (dir === 'to-host' ? [alterMessage(r, 20)] : [r]);
    expect(await rejectionOf(link.poll(), NcoderError)).toMatchObject({ code: 'PROTOCOL' });
    sim.tamper = undefined;
    expect(await link.poll()).toBeNull(); // a new AUTH happened underneath
    sim.factoryReset();
    expect(await rejectionOf(link.poll(), NcoderError)).toMatchObject({ code: 'PROTOCOL' });
    expect(await rejectionOf(link.poll(), NcoderError)).toMatchObject({ code: 'NOT_PAIRED' });
    expect(link.status.state).toBe('unpaired');
    await link.stop();
  });

  it('sees a factory-reset encoder restart and come back unpaired', async () => {
    const { link, sim, states } = await paired();
    sim.factoryReset();
    sim.restart();
    await link.whenState('unpaired');
    expect(states.slice(-2)).toEqual(['absent', 'unpaired']);
    await link.stop();
  });

  it('leaves a device alone that does not answer like an NCoder, and keeps looking', async () => {
    const bus = new MemoryHidBus();
    const mute = bus.plug({ vendorId: 0x1209, productId: 0x0001, release: 1 }, () => {});
    const sim = new NcoderSimulator();
    const link = new NcoderLink({
      devices: bus,
      pairingKey: () => undefined,
      scanIntervalMs: 20,
      requestTimeoutMs: 100,
    });
    link.start();
    await new Promise((r) => setTimeout(r, 250));
    expect(link.status.state).toBe('absent');
    bus.unplug(mute);
    bus.plug(sim.descriptor, (end) => sim.connect(end));
    await link.whenState('unpaired');
    await link.stop();
  });
});
