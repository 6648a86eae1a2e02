import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { fuzzCodec, nearMisses } from '../../test/helpers/codec-fuzz.js';
import { lockUpdate } from '../lock/lock-test-kit.js';
import { newDeviceKey } from '../mobile/device-key.js';
import { cheapHasher, loadUpdate, memoryLink, mobileLock, WED_11_S } from '../mobile/mobile-test-kit.js';
import { accessOf } from '../lock/lock-test-kit.js';
import { MobileLockEnd, openFromPhone } from '../mobile/opening.js';
import { readTokenHeader, tokenAccessBytes } from '../mobile/token.js';
import { serveHidSocket, socketHidDevices } from './hid-socket.js';
import { NcoderDriver } from './ncoder-driver.js';
import { NcoderError } from './ncoder-errors.js';
import { NcoderSimulator } from './ncoder-simulator.js';
import {
  decodeSessionRequest,
  decodeSessionResponse,
  encodeSessionRequest,
  encodeSessionResponse,
  type SessionRequest,
  type SessionResponse,
} from './session-messages.js';
import { NcoderMessageError } from './wire-bytes.js';

/** The NCoder's mobile key operations, over its real HID socket transport. */

const dirs: string[] = [];
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

async function socketRig(stateFile: string) {
  const dir = path.dirname(stateFile);
  const socket = path.join(dir, `ncoder-${dirs.length}-${Math.random().toString(36).slice(2, 8)}.sock`);
  const sim = new NcoderSimulator({ stateFile });
  const server = await serveHidSocket(socket, sim.descriptor, (end) => sim.connect(end));
  const driver = new NcoderDriver(await socketHidDevices(socket).open(socket), { timeoutMs: 3000 });
  cleanups.push(async () => {
    await driver.close();
    await server.close();
  });
  return { sim, driver };
}

function tempState(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lintel-ncm-'));
  dirs.push(dir);
  return path.join(dir, 'ncoder.json');
}

describe('NCoder mobile keys', () => {
  it('makes the group key once, keeps it across restarts, wraps it for a lock and seals tokens the lock opens', async () => {
    const file = tempState();
    const { driver } = await socketRig(file);
    const pairingKey = await driver.pair();
    await driver.authenticate(pairingKey);
    // Before the group key exists, wrapping and sealing say what to do first.
    await expect(driver.wrapGroupKey(Buffer.alloc(32, 9))).rejects.toThrow(/mobile-group first/);
    const made = await driver.mobileGroup();
    expect(made.created).toBe(true);
    expect(await driver.mobileGroup()).toEqual({ groupKeyId: made.groupKeyId, created: false });
    expect(fs.readFileSync(file, 'utf8')).toMatch(/"groupKey": "[0-9a-f]{64}"/);

    // A lock learns the group key only wrapped, through its update.
    const { memory, lock, clock } = mobileLock(Buffer.alloc(32, 1));
    const wrapped = await driver.wrapGroupKey(Buffer.from(memory.state.identity!.publicKey, 'hex'));
    const committed = loadUpdate(
      memory,
      lockUpdate({
        revision: 4,
        mobileKey: { groupKeyId: made.groupKeyId.toString('hex'), wrapped: wrapped.toString('hex') },
      }),
    );
    expect(committed.type).toBe('commit');
    expect(memory.state.mobile?.groupKeyId).toBe(made.groupKeyId.toString('hex'));

    const device = newDeviceKey();
    const { tokenId, token } = await driver.sealToken({
      accessData: tokenAccessBytes(accessOf(77)),
      pinHash: null,
      devicePublicKey: device.publicKey,
      notBefore: WED_11_S - 60,
      notAfter: WED_11_S + 3600,
    });
    expect(readTokenHeader(token).tokenId.equals(tokenId)).toBe(true);
    expect(readTokenHeader(token).groupKeyId.equals(made.groupKeyId)).toBe(true);
    const end = new MobileLockEnd({ lock, pins: cheapHasher, now: () => clock.ms });
    expect(await openFromPhone(memoryLink(end), { deviceKey: device, pick: () => token })).toMatchObject({
      granted: true,
    });

    // Restarted from its state file: the same group key.
    const again = await socketRig(file);
    await again.driver.authenticate(pairingKey);
    expect(await again.driver.mobileGroup()).toEqual({ groupKeyId: made.groupKeyId, created: false });

    // A factory reset forgets it: a reset encoder carries no site's key.
    again.sim.factoryReset();
    expect(JSON.parse(fs.readFileSync(file, 'utf8'))).not.toHaveProperty('groupKey');
  });

  it('refuses a bad seal request with a clear error, the session still open', async () => {
    const { driver } = await socketRig(tempState());
    await driver.authenticate(await driver.pair());
    await driver.mobileGroup();
    const bad = driver.sealToken({
      accessData: tokenAccessBytes(accessOf(1)),
      pinHash: null,
      devicePublicKey: newDeviceKey().publicKey,
      notBefore: 100,
      notAfter: 100,
    });
    await expect(bad).rejects.toBeInstanceOf(NcoderError);
    expect((await driver.mobileGroup()).created).toBe(false);
  });
});

describe('session messages: the mobile operations', () => {
  const bytes = (n: number) => fc.uint8Array({ minLength: n, maxLength: n });
  const requests: fc.Arbitrary<SessionRequest> = fc.oneof(
    fc.constant<SessionRequest>({ op: 'mobile-group' }),
    bytes(32).map((lockPublicKey): SessionRequest => ({ op: 'wrap-group-key', lockPublicKey })),
    fc.record({
      op: fc.constant('seal-token' as const),
      accessData: fc.uint8Array({ minLength: 1, maxLength: 60 }),
      pinHash: fc.option(fc.stringMatching(/^[!-~]{1,40}$/), { nil: null }),
      devicePublicKey: bytes(65),
      notBefore: fc.nat(),
      notAfter: fc.nat(),
    }),
  );
  const responses: fc.Arbitrary<SessionResponse> = fc.oneof(
    fc.record({ op: fc.constant('group' as const), groupKeyId: bytes(8), created: fc.boolean() }),
    bytes(80).map((wrapped): SessionResponse => ({ op: 'wrapped', wrapped })),
    fc.record({
      op: fc.constant('token' as const),
      tokenId: bytes(16),
      token: fc.uint8Array({ minLength: 1, maxLength: 200 }),
    }),
  );

  it('fuzz: requests decode to what re-encodes to them, or an NcoderMessageError', () => {
    fuzzCodec(
      decodeSessionRequest,
      encodeSessionRequest,
      nearMisses(requests.map(encodeSessionRequest), 400),
      NcoderMessageError,
    );
  });

  it('fuzz: responses decode to what re-encodes to them, or an NcoderMessageError', () => {
    fuzzCodec(
      decodeSessionResponse,
      encodeSessionResponse,
      nearMisses(responses.map(encodeSessionResponse), 300),
      NcoderMessageError,
    );
  });
});
