import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fuzzCodec, nearMisses } from '../../test/helpers/codec-fuzz.js';
import { doorTables } from '../lock/lock-test-kit.js';
import { factoryState, LockMemory } from '../lock/lock-memory.js';
import { newDeviceKey } from './device-key.js';
import { groupKeyIdOf } from './group-key.js';
import {
  cheapHasher,
  memoryLink,
  mobileKeyFor,
  mobileLock,
  loadUpdate,
  tokenFor,
  WED_11,
  WED_11_S,
} from './mobile-test-kit.js';
import { lockUpdate } from '../lock/lock-test-kit.js';
import {
  decodeOpeningMessage,
  encodeOpeningMessage,
  OpeningMessageError,
  type OpeningMessage,
} from './opening-messages.js';
import { CHALLENGE_MS, MobileLockEnd, openFromPhone, PhoneOpenError } from './opening.js';
import type { DeviceKey } from './device-key.js';

const GROUP = Buffer.alloc(32, 0x61);

function rig(o: Parameters<typeof mobileLock>[1] = {}, group = GROUP) {
  const l = mobileLock(group, o);
  const end = new MobileLockEnd({ lock: l.lock, pins: cheapHasher, now: () => l.clock.ms });
  return { ...l, end };
}

async function open(end: MobileLockEnd, device: DeviceKey, token: Buffer, pin?: string) {
  const link = memoryLink(end);
  const result = await openFromPhone(link, { deviceKey: device, pick: () => token, ...(pin && { pin }) });
  return { result, link };
}

/** The lock's state without its audit ring (which must be all that changes at a refusal). */
const stateWithoutAudit = (m: { state: object }) => {
  const { audit: _audit, ...rest } = m.state as { audit: unknown };
  return JSON.stringify(rest);
};

describe('a phone opening a lock', () => {
  it('grants a valid token for this phone and records it like a card', async () => {
    const { end, memory } = rig();
    const device = newDeviceKey();
    const { result } = await open(end, device, tokenFor(GROUP, device));
    expect(result).toEqual({ granted: true, reason: null, lockId: 'LK-TEST01' });
    const record = memory.state.audit.records.at(-1)!;
    expect(record).toMatchObject({ event: 'granted', credentialId: 42, reason: null });
    expect(record.detail).toMatch(/^phone token /);
  });

  it('the phone picks the token for the lock’s group key, and says so when it has none', async () => {
    const { end } = rig();
    const device = newDeviceKey();
    const token = tokenFor(GROUP, device);
    const seen: string[] = [];
    await openFromPhone(memoryLink(end), {
      deviceKey: device,
      pick: (id) => (seen.push(id.toString('hex')), token),
    });
    expect(seen).toEqual([groupKeyIdOf(GROUP).toString('hex')]);
    await expect(
      openFromPhone(memoryLink(end), { deviceKey: device, pick: () => undefined }),
    ).rejects.toThrow(PhoneOpenError);
  });

  describe('refuses, records, and changes nothing else', () => {
    async function refused(
      setup: (
        r: ReturnType<typeof rig>,
        device: DeviceKey,
      ) => Promise<{ granted: boolean; reason: string | null }>,
      reason: string,
      o: Parameters<typeof rig>[0] = {},
    ) {
      const r = rig(o);
      const device = newDeviceKey();
      const before = stateWithoutAudit(r.memory);
      const seq = r.memory.state.audit.nextSeq;
      const result = await setup(r, device);
      expect(result).toMatchObject({ granted: false, reason });
      expect(stateWithoutAudit(r.memory)).toBe(before);
      const records = r.memory.state.audit.records.filter((x) => x.seq >= seq);
      expect(records.at(-1)).toMatchObject({ event: 'denied' });
      expect(JSON.stringify(records.at(-1))).toContain(reason);
      return r;
    }

    it('a recorded opening replayed', async () => {
      await refused(async ({ end }, device) => {
        const { result, link } = await open(end, device, tokenFor(GROUP, device));
        expect(result.granted).toBe(true);
        const recorded = link.sent[1]!;
        // Replayed after a fresh challenge (and bare): the nonce was spent, the new one is not signed.
        await end.handle(encodeOpeningMessage({ type: 'hello', version: 1 }));
        const { reply, outcome } = await end.handle(recorded);
        expect(decodeOpeningMessage(reply)).toMatchObject({ type: 'refused' });
        return outcome!;
      }, 'unknown-challenge');
    });

    it('a recorded opening with the nonce of a fresh challenge spliced in (the signature fails)', async () => {
      await refused(async ({ end }, device) => {
        const { link } = await open(end, device, tokenFor(GROUP, device));
        const recorded = decodeOpeningMessage(link.sent[1]!) as Extract<OpeningMessage, { type: 'open' }>;
        const fresh = decodeOpeningMessage(
          (await end.handle(encodeOpeningMessage({ type: 'hello', version: 1 }))).reply,
        ) as Extract<OpeningMessage, { type: 'challenge' }>;
        return (await end.open({ ...recorded, nonce: fresh.nonce })).outcome;
      }, 'bad-signature');
    });

    it('a token copied to another phone', async () => {
      await refused(async ({ end }, device) => {
        const thief = newDeviceKey();
        return (await open(end, thief, tokenFor(GROUP, device))).result;
      }, 'bad-signature');
    });

    it('an altered token', async () => {
      await refused(async ({ end }, device) => {
        const token = tokenFor(GROUP, device);
        token[token.length - 20]! ^= 0x10;
        return (await open(end, device, token)).result;
      }, 'bad-token');
    });

    it('an expired token (its own window), and one not yet valid', async () => {
      await refused(
        async ({ end }, device) =>
          (
            await open(
              end,
              device,
              tokenFor(GROUP, device, { notBefore: WED_11_S - 100, notAfter: WED_11_S }),
            )
          ).result,
        'expired',
      );
      await refused(
        async ({ end }, device) =>
          (
            await open(
              end,
              device,
              tokenFor(GROUP, device, { notBefore: WED_11_S + 1, notAfter: WED_11_S + 100 }),
            )
          ).result,
        'not-yet-valid',
      );
    });

    it('a revoked key (its credential in the lock’s blacklist)', async () => {
      await refused(
        async ({ end }, device) => (await open(end, device, tokenFor(GROUP, device))).result,
        'blacklisted',
        {
          update: {
            blacklist: {
              latestSeq: 5,
              entries: [{ seq: 5, credentialId: 42, expiresAt: WED_11_S + 86_400 * 30 }],
            },
          },
        },
      );
    });

    it('a door wanting a PIN: no PIN, a wrong PIN; the right PIN opens', async () => {
      const pinDoor = { update: { tables: doorTables({ auth: { mode: 'card+pin' } }) } };
      const pinHash = await cheapHasher.hash('2468');
      await refused(
        async ({ end }, device) => (await open(end, device, tokenFor(GROUP, device, { pinHash }))).result,
        'pin-required',
        pinDoor,
      );
      await refused(
        async ({ end }, device) =>
          (await open(end, device, tokenFor(GROUP, device, { pinHash }), '1357')).result,
        'wrong-pin',
        pinDoor,
      );
      const { end } = rig(pinDoor);
      const device = newDeviceKey();
      expect((await open(end, device, tokenFor(GROUP, device, { pinHash }), '2468')).result.granted).toBe(
        true,
      );
    });

    it('a token for another site’s group key', async () => {
      await refused(
        async ({ end }, device) => (await open(end, device, tokenFor(Buffer.alloc(32, 0x62), device))).result,
        'other-site',
      );
    });

    it('a stale challenge', async () => {
      await refused(async ({ end, clock }, device) => {
        const token = tokenFor(GROUP, device);
        const link = memoryLink(end);
        const slow = {
          send: async (m: Uint8Array) => {
            if (m[0] === 3) clock.ms += CHALLENGE_MS + 1;
            await link.send(m);
          },
          receive: link.receive,
        };
        return openFromPhone(slow, { deviceKey: device, pick: () => token });
      }, 'stale-challenge');
    });

    it('a lock without the group key', async () => {
      const r = rig();
      r.memory.update((s) => (s.mobile = null));
      const device = newDeviceKey();
      await expect(open(r.end, device, tokenFor(GROUP, device))).resolves.toMatchObject({
        result: { granted: false, reason: 'no-mobile-key' },
      });
    });
  });

  it('a group key wrapped for another lock is refused at the commit, the lock unchanged', () => {
    const { memory } = rig();
    const other = mobileLock(Buffer.alloc(32, 0x70));
    const before = JSON.stringify(memory.state.mobile);
    const answer = loadUpdate(
      memory,
      lockUpdate({ revision: 9, mobileKey: mobileKeyFor(other.memory, GROUP) }),
    );
    expect(answer).toMatchObject({ type: 'error', code: 'INVALID_UPDATE' });
    expect(memory.state.revision).toBe(3);
    expect(JSON.stringify(memory.state.mobile)).toBe(before);
  });

  it('the lock reports its identity public key; a state file from before mobile keys loads and gets one', () => {
    const { memory } = rig();
    expect(memory.report().publicKey).toBe(memory.state.identity!.publicKey);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lintel-mobile-'));
    try {
      const file = path.join(dir, 'lock.json');
      const { identity: _i, mobile: _m, ...old } = factoryState(WED_11);
      fs.writeFileSync(file, JSON.stringify(old));
      const loaded = LockMemory.open(file, () => WED_11);
      expect(loaded.state.identity?.publicKey).toMatch(/^[0-9a-f]{64}$/);
      expect(loaded.mobileKey()).toBeUndefined();
      expect(LockMemory.open(file, () => WED_11).state.identity).toEqual(loaded.state.identity);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('opening messages', () => {
  const b = (n: number, x = 1) => Buffer.alloc(n, x);
  const samples: fc.Arbitrary<OpeningMessage> = fc.oneof(
    fc.constant<OpeningMessage>({ type: 'hello', version: 1 }),
    fc.record({
      type: fc.constant('challenge' as const),
      lockId: fc.string({ minLength: 1, maxLength: 20 }),
      groupKeyId: fc.uint8Array({ minLength: 8, maxLength: 8 }).map((x) => Buffer.from(x)),
      nonce: fc.constant(b(16)),
      lockEphemeral: fc.constant(b(32, 2)),
    }),
    fc.record({
      type: fc.constant('open' as const),
      nonce: fc.constant(b(16)),
      phoneEphemeral: fc.constant(b(32)),
      token: fc.uint8Array({ minLength: 1, maxLength: 300 }).map((x) => Buffer.from(x)),
      signature: fc.constant(b(64, 9)),
      sealedPin: fc.uint8Array({ maxLength: 28 }).map((x) => Buffer.from(x)),
    }),
    fc
      .uint8Array({ minLength: 17, maxLength: 137 })
      .map((x): OpeningMessage => ({ type: 'result', sealed: Buffer.from(x) })),
    fc.string({ maxLength: 40 }).map((reason): OpeningMessage => ({ type: 'refused', reason })),
  );

  it('round-trips every message', () => {
    fc.assert(
      fc.property(samples, (m) => {
        expect(decodeOpeningMessage(encodeOpeningMessage(m))).toEqual(m);
      }),
    );
  });

  it('fuzz: any bytes decode to what re-encodes to them, or an OpeningMessageError', () => {
    fuzzCodec(
      decodeOpeningMessage,
      encodeOpeningMessage,
      nearMisses(
        samples.map((m) => Uint8Array.from(encodeOpeningMessage(m))),
        400,
      ),
      OpeningMessageError,
    );
  });

  it('fuzz: the lock answers any bytes with a refusal or a challenge, never a crash or a grant', async () => {
    const { end, memory } = rig();
    const device = newDeviceKey();
    const token = tokenFor(GROUP, device);
    const { link } = await open(end, device, token);
    const valid = fc.constant(Uint8Array.from(link.sent[1]!));
    await fc.assert(
      fc.asyncProperty(nearMisses(valid, 900), async (bytes) => {
        const { outcome } = await end.handle(bytes);
        expect(outcome?.granted ?? false).toBe(false);
      }),
      { numRuns: 300 },
    );
    expect(memory.state.audit.records.filter((r) => r.event === 'granted')).toHaveLength(1);
  });
});
