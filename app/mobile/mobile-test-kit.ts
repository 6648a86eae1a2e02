import { randomBytes } from 'node:crypto';
import type { CardAccessData } from '../card/access-data.js';
import { LockMemory } from '../lock/lock-memory.js';
import { LockProgramming } from '../lock/lock-programming.js';
import { accessOf, lockUpdate, WED_11 } from '../lock/lock-test-kit.js';
import { encodeLockUpdate, transferIdOf } from '../lock/lock-update-bytes.js';
import type { LockResponse } from '../lock/lock-messages.js';
import { OfflineLock } from '../lock/offline-lock.js';
import type { LockUpdate } from '../ppd/round.js';
import { PasswordHasher } from '../service/passwords.js';
import type { DeviceKey } from './device-key.js';
import { groupKeyIdOf, wrapGroupKey } from './group-key.js';
import type { MobileLockEnd } from './opening.js';
import { sealToken, tokenAccessBytes } from './token.js';
import type { OpeningLink } from './opening.js';

/** Test support for mobile keys (not used by the product): a lock holding a group key, tokens, links. */

export { accessOf, WED_11 };

/** Seconds of {@link WED_11}. */
export const WED_11_S = Math.floor(WED_11 / 1000);

/** Hashes and verifies PINs with cheap parameters (PHC strings carry their own, so the lock verifies them). */
export const cheapHasher = new PasswordHasher({ memoryKiB: 8192, iterations: 1, parallelism: 1 });

/** Loads an update the way the PPD does (begin, chunk, commit). */
export function loadUpdate(memory: LockMemory, update: LockUpdate): LockResponse {
  const p = new LockProgramming(memory);
  const bytes = encodeLockUpdate(update);
  p.handle({ type: 'begin-update', transferId: transferIdOf(bytes), totalBytes: bytes.length });
  p.handle({ type: 'chunk', offset: 0, bytes });
  return p.handle({ type: 'commit' });
}

/** The mobileKey field of a LockUpdate for `memory`'s lock. */
export function mobileKeyFor(memory: LockMemory, groupKey: Buffer): NonNullable<LockUpdate['mobileKey']> {
  return {
    groupKeyId: groupKeyIdOf(groupKey).toString('hex'),
    wrapped: wrapGroupKey(groupKey, Buffer.from(memory.state.identity!.publicKey, 'hex')).toString('hex'),
  };
}

/** An initialised lock on the test door holding `groupKey`, its clock at `at` (ms, settable). */
export function mobileLock(groupKey: Buffer, o: { at?: number; update?: Partial<LockUpdate> } = {}) {
  const clock = { ms: o.at ?? WED_11 };
  const memory = LockMemory.factory(undefined, () => clock.ms, { serial: 'LK-TEST01' });
  const committed = loadUpdate(
    memory,
    lockUpdate({ mobileKey: mobileKeyFor(memory, groupKey), ...o.update }),
  );
  if (committed.type !== 'commit') throw new Error(`mobileLock: ${JSON.stringify(committed)}`);
  return { memory, lock: new OfflineLock(memory), clock };
}

/** A token for `device` with `access` (default: credential 42 on the test door), valid a day around WED_11. */
export function tokenFor(
  groupKey: Buffer,
  device: DeviceKey,
  o: { access?: CardAccessData; notBefore?: number; notAfter?: number; pinHash?: string | null } = {},
): Buffer {
  return sealToken(groupKey, {
    tokenId: randomBytes(16),
    notBefore: o.notBefore ?? WED_11_S - 86_400,
    notAfter: o.notAfter ?? WED_11_S + 86_400,
    devicePublicKey: device.publicKey,
    accessData: tokenAccessBytes(o.access ?? accessOf(42)),
    pinHash: o.pinHash ?? null,
  });
}

/** A link straight into a lock end (no radio), recording what the phone sent. */
export function memoryLink(end: MobileLockEnd): OpeningLink & { sent: Buffer[] } {
  const replies: Buffer[] = [];
  const sent: Buffer[] = [];
  return {
    sent,
    async send(message) {
      sent.push(Buffer.from(message));
      replies.push((await end.handle(message)).reply);
    },
    async receive() {
      const r = replies.shift();
      if (!r) throw new Error('memoryLink: nothing to receive');
      return r;
    },
  };
}
