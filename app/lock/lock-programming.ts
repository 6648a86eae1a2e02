import { Blacklist } from '../access/blacklist.js';
import { groupKeyIdOf, unwrapGroupKey } from '../mobile/group-key.js';
import type { LockUpdate } from '../ppd/round.js';
import type { LockMemory, LockState } from './lock-memory.js';
import {
  auditRecordWireBytes,
  LockMessageError,
  type LockErrorCode,
  type LockRequest,
  type LockResponse,
} from './lock-messages.js';
import { decodeLockUpdate, transferIdOf } from './lock-update-bytes.js';

/**
 * What a lock does with the PPD's requests once the PPD authenticated (lock-ppd-end.ts checks that):
 * report, set the clock, take an update in chunks (staged in its memory, so a visit cut short resumes
 * where it stopped) and apply it whole at the commit or not at all, hand out its audit ring, open in
 * an emergency.
 */

/** The largest update a lock stages (a full site blacklist is 786 KB; keep room for tables). */
export const MAX_UPDATE_BYTES = 2_000_000;
/** Bytes in a reply's fixed part before its audit records. */
const AUDIT_REPLY_HEAD = 4;

const refuse = (code: LockErrorCode, message: string): LockResponse => ({ type: 'error', code, message });

/** The lock's answers to the PPD. */
export class LockProgramming {
  constructor(
    private readonly m: LockMemory,
    /** The largest reply the session carries (audit records are packed up to it). */
    private readonly maxReply = 900,
  ) {}

  /** Answers one request; refusals are answers too (an error response), never a change. */
  handle(req: LockRequest): LockResponse {
    switch (req.type) {
      case 'status':
        return { type: 'status', report: this.m.report() };
      case 'set-time':
        return this.setTime(req.ppdNow);
      case 'begin-update':
        return this.beginUpdate(req.transferId, req.totalBytes);
      case 'chunk':
        return this.chunk(req.offset, req.bytes);
      case 'commit':
        return this.commit();
      case 'read-audit':
        return this.readAudit(req.fromSeq, req.max);
      case 'emergency-open':
        return this.emergencyOpen(req.opening);
    }
  }

  private setTime(ppdNow: number): LockResponse {
    const drift = this.m.nowSeconds() - ppdNow;
    this.m.setClock(ppdNow * 1000);
    this.m.audit({ event: 'clock-set', detail: `${drift >= 0 ? '+' : ''}${drift} s` });
    return { type: 'set-time', driftSeconds: Math.max(-0x8000_0000, Math.min(0x7fff_ffff, drift)) };
  }

  private beginUpdate(transferId: Buffer, totalBytes: number): LockResponse {
    if (totalBytes > MAX_UPDATE_BYTES)
      return refuse(
        'INVALID_UPDATE',
        `the update is ${totalBytes} bytes; a lock takes at most ${MAX_UPDATE_BYTES}: compact the blacklist`,
      );
    const id = transferId.toString('hex');
    const staged = this.m.state.staged;
    if (staged && staged.transferId === id && staged.totalBytes === totalBytes)
      return { type: 'begin-update', resumeAt: staged.received };
    this.m.stageBegin(id, totalBytes);
    return { type: 'begin-update', resumeAt: 0 };
  }

  private chunk(offset: number, bytes: Buffer): LockResponse {
    const staged = this.m.state.staged;
    if (!staged) return refuse('NO_TRANSFER', 'no update under way: begin one first');
    const have = staged.received;
    // A chunk already taken (its answer was lost) is answered again, not taken twice.
    if (offset + bytes.length <= have) return { type: 'chunk', received: have };
    if (offset !== have)
      return refuse('BAD_OFFSET', `the lock has ${have} bytes of this update, not ${offset}`);
    if (offset + bytes.length > staged.totalBytes)
      return refuse('BAD_OFFSET', `the chunk runs past the update's ${staged.totalBytes} bytes`);
    this.m.stageAppend(bytes);
    return { type: 'chunk', received: have + bytes.length };
  }

  private commit(): LockResponse {
    const staged = this.m.state.staged;
    if (!staged) return refuse('NO_TRANSFER', 'no update under way: begin one first');
    if (staged.received !== staged.totalBytes)
      return refuse(
        'INCOMPLETE',
        `the lock has ${staged.received} of the update's ${staged.totalBytes} bytes`,
      );
    const bytes = this.m.stagedBytes();
    const drop = (code: LockErrorCode, message: string) => {
      this.m.stageClear();
      return refuse(code, message);
    };
    if (transferIdOf(bytes).toString('hex') !== staged.transferId)
      return drop('DIGEST_MISMATCH', 'the update received does not match its digest: send it again');
    let update: LockUpdate;
    try {
      update = decodeLockUpdate(bytes);
    } catch (err) {
      if (!(err instanceof LockMessageError)) throw err;
      return drop(err.code, err.message);
    }
    const s = this.m.state;
    if (this.m.initialised && s.doorId !== update.doorId)
      return drop('WRONG_DOOR', `this lock is on door ${s.doorId}, the update is for door ${update.doorId}`);
    if (s.keyVersion === 0 && (!update.newLockKey || !update.cardKeys))
      return drop('NOT_INITIALISED', 'an uninitialised lock needs its lock key and card keys in the update');
    if (!s.cardKeys && !update.cardKeys)
      return drop('NOT_INITIALISED', 'this lock holds no card keys: the update must bring them');
    if (update.tables.door.doorId !== update.doorId)
      return drop(
        'INVALID_UPDATE',
        `the tables are for door ${update.tables.door.doorId}, not ${update.doorId}`,
      );
    // Capacity before anything changes: a lock that took part of a blacklist would open for the rest.
    const ids = new Set(update.blacklist.entries.map((e) => e.credentialId));
    const capacity = s.blacklist.capacity;
    if (ids.size > capacity)
      return drop('BLACKLIST_FULL', `the blacklist has ${ids.size} entries, the lock holds ${capacity}`);
    let list: Blacklist;
    try {
      list = new Blacklist(update.blacklist.entries, capacity);
    } catch (err) {
      if (!(err instanceof RangeError)) throw err;
      return drop('INVALID_UPDATE', `the blacklist cannot be stored: ${err.message}`);
    }
    list.advanceTo(update.blacklist.latestSeq);
    // The mobile group key before anything changes too: an update whose key does not open is refused
    // whole (it was wrapped for another lock), rather than applied without phones working.
    let mobile: LockState['mobile'];
    if (update.mobileKey) {
      const identity = this.m.identityPair();
      const key = identity && unwrapGroupKey(Buffer.from(update.mobileKey.wrapped, 'hex'), identity);
      if (!key)
        return drop(
          'INVALID_UPDATE',
          'the mobile group key was not wrapped for this lock: read its public key again and re-issue',
        );
      const id = groupKeyIdOf(key).toString('hex');
      if (id !== update.mobileKey.groupKeyId)
        return drop('INVALID_UPDATE', `the mobile group key is ${id}, not ${update.mobileKey.groupKeyId}`);
      mobile = { groupKeyId: id, groupKey: key.toString('hex') };
      key.fill(0);
    }
    const byId = new Map<number, number>();
    for (const e of update.blacklist.entries)
      byId.set(e.credentialId, Math.max(byId.get(e.credentialId) ?? 0, Math.min(e.expiresAt, 0xffff_ffff)));
    const next: LockState = structuredClone(s) as LockState;
    next.doorId = update.doorId;
    next.revision = update.revision;
    next.timeZone = update.timeZone;
    next.tables = update.tables;
    next.blacklist = { capacity, sequence: list.sequence, entries: [...byId].sort((a, b) => a[0] - b[0]) };
    if (update.cardKeys) next.cardKeys = update.cardKeys;
    if (update.newLockKey) {
      next.lockKey = update.newLockKey.key;
      next.keyVersion = update.newLockKey.version;
    }
    if (s.doorId !== update.doorId) next.office = false;
    if (mobile) next.mobile = mobile;
    next.staged = null;
    this.m.replace(next);
    this.m.stageClear();
    this.m.audit({
      event: 'updated',
      detail: `revision ${update.revision}, blacklist ${list.length} entries to ${list.sequence}${update.newLockKey ? `, key version ${update.newLockKey.version}` : ''}${mobile ? `, mobile group key ${mobile.groupKeyId}` : ''}`,
    });
    return { type: 'commit', report: this.m.report() };
  }

  private readAudit(fromSeq: number, max: number): LockResponse {
    const records = this.m.auditFrom(fromSeq, max + 1);
    let room = this.maxReply - AUDIT_REPLY_HEAD;
    const out = [];
    for (const r of records.slice(0, max)) {
      room -= auditRecordWireBytes(r);
      if (room < 0) break;
      out.push(r);
    }
    return { type: 'read-audit', more: out.length < records.length, records: out };
  }

  private emergencyOpen(opening: { operatorName: string; reason: string; validUntil: number }): LockResponse {
    const now = this.m.nowSeconds();
    if (now > opening.validUntil)
      return refuse(
        'EXPIRED',
        `the emergency opening was valid until ${new Date(opening.validUntil * 1000).toISOString()} and the lock's clock says ${new Date(now * 1000).toISOString()}: load a new one`,
      );
    this.m.audit({ event: 'emergency-opened', detail: `${opening.operatorName}: ${opening.reason}` });
    return { type: 'emergency-open', openedAt: now };
  }
}
