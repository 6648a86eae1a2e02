import path from 'node:path';
import type { MobilePhone } from '../contract/methods/mobile.js';
import { ask, type DemoContext } from './demo-context.js';
import { DEMO_PEOPLE } from './demo-plan.js';
import type { Part } from './demo-parts.js';
import type { DemoState } from './demo-state.js';
import type { SiteRpc } from './site-rpc.js';
import { until } from './until.js';

/**
 * What the people carry: cards encoded by the Service on the NCoder simulator (blank DESFire cards
 * placed on it, as an administrator would), and Dan's phone, enrolled through the relay with a
 * mobile key the NCoder sealed.
 */

/** Pairs the NCoder and encodes a card for each person who carries one; their names go in the state. */
export async function encodeCards(
  rpc: SiteRpc,
  ncoder: Part,
  state: DemoState,
  say: (l: string) => void,
): Promise<void> {
  say('Pairing the NCoder and encoding the people’s cards…');
  await rpc.call('encoder.pair');
  await until(
    async () => (await rpc.call<{ state: string }>('encoder.status')).state === 'ready',
    'the NCoder',
    30_000,
  );
  for (const person of DEMO_PEOPLE.filter((p) => p.carries === 'card')) {
    const placed = await ask(ncoder, 'new 2k', /^placed (\S+) \(UID [0-9A-Fa-f]{14}, 2k\)/m);
    const who = state.people[person.key]!;
    const encoded = await rpc.call<{ key: { id: number } }>('encoder.encode', { userId: who.userId });
    // Taking the card away saves its file, where the readers and locks find it.
    await ask(ncoder, 'remove', /^removed /m);
    who.card = placed[1]!;
    who.keyId = encoded.key.id;
  }
}

export interface MobileParts {
  relay: Part;
  phone: Part;
}

/** The relay and the phone; at the first start, Dan's phone is enrolled and given a key. */
export async function startMobile(c: DemoContext): Promise<MobileParts> {
  const { rpc, parts, dataDir, state } = c;
  const relay = parts.start('relay', [
    'relay',
    '--data-dir',
    path.join(dataDir, 'relay'),
    '--port',
    String(state.ports.relay),
  ]);
  const phone = parts.start('phone', [
    'sim',
    'phone',
    '--state',
    path.join(dataDir, 'phone.json'),
    '--label',
    'Dan’s phone',
  ]);
  await phone.waitFor(/Type help for commands/m);
  if (!c.first) {
    await relay.waitFor(/^Lintel relay: /m, 0, 30_000);
    return { relay, phone };
  }
  c.say('Setting up the mobile-key relay and Dan’s phone…');
  const [, url, fingerprint, secret] = await relay.waitFor(
    /^Lintel relay: (\S+)\nTLS certificate SHA-256: (\S+)\nService secret: (\S+)$/m,
    0,
    30_000,
  );
  await rpc.call('mobile.relay.set', { url, fingerprint, secret });
  const dan = state.people.dan!.userId;
  const invite = await rpc.call<{ code: string; relayUrl: string; fingerprint: string }>(
    'mobile.phones.invite',
    {
      userId: dan,
    },
  );
  await ask(
    phone,
    `enrol ${invite.relayUrl} ${invite.fingerprint} ${invite.code}`,
    /^enrolled as phone \S+/m,
  );
  const enrolled = await until(
    async () => (await rpc.call<{ phones: MobilePhone[] }>('mobile.phones.list', { userId: dan })).phones[0],
    'Dan’s phone in the console',
    30_000,
  );
  await rpc.call('mobile.keys.issue', { userId: dan, phoneId: enrolled.phoneId });
  await until(
    async () => /[1-9]\d* new key/.test((await ask(phone, 'fetch', /^fetched: .*$/m))[0]),
    'the mobile key at the phone',
    30_000,
  );
  return { relay, phone };
}
