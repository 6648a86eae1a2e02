import { randomBytes } from 'node:crypto';
import { tokenAccessBytes } from '../mobile/token.js';
import type { NcoderLink } from '../ncoder/ncoder-link.js';
import type { MobileKeyState } from '../contract/methods/mobile.js';
import { hashRelaySecret, makeRelaySecret } from '../relay/relay-api.js';
import { RelayError, ServiceRelayClient } from '../relay/relay-client.js';
import type { CallContext } from '../rpc/context.js';
import { RpcError, invalidParams } from '../rpc/rpc-error.js';
import { CardholderRepo } from '../store/cardholder-repo.js';
import { CredentialRepo } from '../store/credential-repo.js';
import type { Db } from '../store/sqlite.js';
import { MobileRepo, RELAY_SECRET, type MobileKeyRecord, type PhoneRecord } from '../store/mobile-repo.js';
import { cardContentFor } from './card-content.js';
import { encoderFailure, encoderUnavailable } from './encoder-errors.js';
import { notFound, type HandlerGroup, type ServiceKit } from './handler-kit.js';
import { relayProblem, type MobileRelay } from './mobile-relay-sync.js';
import { issueKey, userKeyHandlers } from './user-key-handlers.js';
import { hiddenFrom } from './user-partition.js';

/**
 * The mobile-key methods. A mobile key is a credential (medium `mobile`, a random 7-byte UID nobody
 * presents) so rights, keys.cancel, the blacklist and revalidation apply unchanged; what differs is how
 * it reaches its holder: the NCoder seals the holder's access data (the bytes a card would carry) into a
 * token under the site's mobile group key, and the relay carries it to the phone. The Service never
 * holds the group key nor keeps a token: only its id and where it is (sent, delivered, lost, revoked).
 */

/** What the NCoder does for mobile keys (its session ops, docs/mobile-keys.md). */
export interface MobileSealer {
  /** The id (16 hex) of the NCoder's group key, made if it has none. */
  groupKeyId(): Promise<string>;
  /** The group key wrapped for a lock's X25519 public key (hex in, hex out). */
  wrapGroupKey(lockPublicKey: string): Promise<string>;
  /** Seals a token; its id is 32 lower-case hex. */
  sealToken(t: SealRequest): Promise<{ tokenId: string; token: Uint8Array }>;
}

/** What a token carries. */
export interface SealRequest {
  accessData: Buffer;
  pinHash: string | null;
  devicePublicKey: Buffer;
  /** Epoch seconds. */
  notBefore: number;
  /** Epoch seconds. */
  notAfter: number;
}

/** What the handlers need besides the kit. */
export interface MobileDeps {
  relay: MobileRelay;
  /** The NCoder's sealer; throws ENCODER_UNAVAILABLE (saying what to do) when it cannot be used. */
  sealer: () => MobileSealer;
}

/** How long an invitation code can be used. */
const INVITATION_MS = 24 * 3_600_000;
/** A key's life when neither the call nor the holder's validity says. */
const DEFAULT_KEY_MS = 365 * 86_400_000;
/**
 * How far before its issue a token is valid: a lock's clock may lag the Service's by minutes between
 * two corrections, and a key that does not open for its first minutes looks broken.
 */
const CLOCK_LAG_SECONDS = 300;
/** The latest instant a token header can say (epoch seconds in 32 bits). */
const MAX_EPOCH_SECONDS = 0xffff_ffff;

/** UNAVAILABLE: the relay is not set, or did not answer. */
function relayUnavailable(message: string): RpcError {
  return new RpcError('UNAVAILABLE', message, { reason: 'relay' });
}

const seconds = (ms: number) => Math.floor(ms / 1000);

export function mobileHandlers(
  kit: ServiceKit,
  deps: MobileDeps,
): HandlerGroup<
  | 'mobile.relay.get'
  | 'mobile.relay.set'
  | 'mobile.phones.invite'
  | 'mobile.phones.list'
  | 'mobile.phones.remove'
  | 'mobile.keys.list'
  | 'mobile.keys.issue'
  | 'mobile.keys.resend'
  | 'mobile.keys.revoke'
> {
  const db = kit.site.db;
  const repo = new MobileRepo(db);
  const keys = new CredentialRepo(db);
  const users = new CardholderRepo(db);
  const cancelKey = userKeyHandlers(kit)['keys.cancel'];

  const changed = (what: 'phones' | 'keys' | 'relay', userId: number | null) =>
    kit.events.publish('mobile.changed', { what, userId });

  function relayStatus() {
    const cfg = repo.relay();
    return {
      configured: cfg !== undefined && kit.site.secrets.get(RELAY_SECRET) !== undefined,
      url: cfg?.url ?? null,
      fingerprint: cfg?.fingerprint ?? null,
      lastContactAt: cfg?.lastContactAt ?? null,
      lastError: cfg?.lastError ?? null,
      lastErrorAt: cfg?.lastErrorAt ?? null,
      enrolmentSeq: cfg?.enrolmentSeq ?? 0,
      deliverySeq: cfg?.deliverySeq ?? 0,
    };
  }

  function relayClient(): ServiceRelayClient {
    const client = deps.relay.client();
    if (!client)
      throw relayUnavailable('No relay is set for mobile keys: set one first (Mobile keys → Relay)');
    return client;
  }

  /** A relay call; its failure as UNAVAILABLE saying what went wrong. */
  async function atRelay<T>(
    client: ServiceRelayClient,
    fn: (c: ServiceRelayClient) => Promise<T>,
  ): Promise<T> {
    try {
      return await deps.relay.call(fn, client);
    } catch (err) {
      throw relayUnavailable(`The relay could not be used: ${relayProblem(err)}`);
    }
  }

  /** The user, unless missing or outside the caller's partition of `permission` (then NOT_FOUND). */
  function visibleUser(ctx: CallContext, userId: number, permission: 'users:read' | 'keys:encode') {
    const user = users.byId(userId, kit.clock());
    if (!user || hiddenFrom(db, ctx, permission, 'cardholder', [userId]).length)
      throw notFound('user', userId);
    return user;
  }

  /** A phone of a user the caller may handle keys of. */
  function visiblePhone(ctx: CallContext, phoneId: string): PhoneRecord {
    const phone = repo.phone(phoneId);
    if (!phone || hiddenFrom(db, ctx, 'keys:encode', 'cardholder', [phone.userId]).length)
      throw notFound('phone', phoneId);
    return phone;
  }

  /** A mobile key the caller may handle. */
  function visibleKey(ctx: CallContext, credentialId: number): MobileKeyRecord {
    const key = repo.key(credentialId);
    if (!key || hiddenFrom(db, ctx, 'keys:encode', 'credential', [credentialId]).length)
      throw notFound('mobile key', credentialId);
    return key;
  }

  /** A 7-byte UID no live key holds: a mobile key's stand-in for a card's. */
  function freeUid(now: Date): string {
    for (;;) {
      const uid = randomBytes(7).toString('hex').toUpperCase();
      if (keys.liveByUid(uid, now) === undefined) return uid;
    }
  }

  /** Runs NCoder work, its failures as the encoder methods word them. */
  async function atEncoder<T>(fn: (s: MobileSealer) => Promise<T>): Promise<T> {
    const sealer = deps.sealer();
    try {
      return await fn(sealer);
    } catch (err) {
      throw encoderFailure(err);
    }
  }

  /**
   * Names the group key and wraps it for every lock that reported a public key and lacks it (RF locks
   * get it through their control unit's next sync, offline locks at the next PPD visit).
   */
  async function distributeGroupKey(sealer: MobileSealer): Promise<string> {
    const groupKeyId = await sealer.groupKeyId();
    for (const lock of repo.locksLacking(groupKeyId)) {
      const wrapped = await sealer.wrapGroupKey(lock.publicKey);
      repo.saveWrapped(lock.doorId, lock.publicKey, { groupKeyId, wrapped }, kit.clock());
    }
    return groupKeyId;
  }

  /** Seals the key's current access for its phone. */
  async function seal(sealer: MobileSealer, credentialId: number, phone: PhoneRecord, notAfter: Date) {
    const now = kit.clock();
    const content = cardContentFor(db, credentialId, now);
    if (!content) throw notFound('key', credentialId);
    return sealer.sealToken({
      accessData: tokenAccessBytes(content.access),
      pinHash: users.pinHash(phone.userId),
      devicePublicKey: Buffer.from(phone.devicePublicKey, 'hex'),
      notBefore: seconds(now.getTime()) - CLOCK_LAG_SECONDS,
      notAfter: Math.min(seconds(notAfter.getTime()), MAX_EPOCH_SECONDS),
    });
  }

  /**
   * Revokes a key: cancelled as keys.cancel does (blacklisted, so RF locks hear at once and offline
   * locks with the next card or PPD), then the relay is told to drop the token and the phone to delete
   * it. A relay that does not answer is told later by the poller.
   */
  async function revoke(ctx: CallContext, key: MobileKeyRecord): Promise<void> {
    const credential = keys.byId(key.credentialId, kit.clock());
    if (credential && credential.status !== 'cancelled')
      await cancelKey({ id: credential.id, version: credential.version }, ctx);
    repo.revoked(key.credentialId, kit.clock());
    const client = deps.relay.client();
    if (!client) return;
    try {
      await deps.relay.call((c) => c.revokeToken(key.phoneId, key.tokenId), client);
      repo.revokeTold(key.credentialId, kit.clock());
    } catch (err) {
      if (err instanceof RelayError && err.status === 404) repo.revokeTold(key.credentialId, kit.clock());
    }
  }

  return {
    'mobile.relay.get': () => relayStatus(),

    'mobile.relay.set': async (p, ctx) => {
      ctx.audit!.target = 'mobile.relay';
      const client = new ServiceRelayClient({ url: p.url, fingerprint: p.fingerprint, secret: p.secret });
      // Checked before anything is stored: a wrong fingerprint or secret is said now, not at the first key.
      try {
        await client.enrolments(Number.MAX_SAFE_INTEGER);
      } catch (err) {
        throw relayUnavailable(
          `The relay refused or did not answer, nothing was changed: ${relayProblem(err)}`,
        );
      }
      db.transaction(() => {
        const now = kit.clock();
        repo.setRelay(p.url, p.fingerprint, now);
        kit.site.secrets.replace(RELAY_SECRET, 1, Buffer.from(p.secret, 'utf8'), now);
        repo.relayContact(now);
        kit.record(ctx, {
          action: 'mobile.relay.set',
          target: 'mobile.relay',
          detail: { url: p.url, fingerprint: p.fingerprint },
        });
      })();
      changed('relay', null);
      return relayStatus();
    },

    'mobile.phones.invite': async (p, ctx) => {
      ctx.audit!.target = `user:${p.userId}`;
      visibleUser(ctx, p.userId, 'keys:encode');
      const client = relayClient();
      const cfg = repo.relay()!;
      const invitationId = randomBytes(12).toString('base64url');
      const code = makeRelaySecret();
      const expiresAt = new Date(kit.clock().getTime() + INVITATION_MS);
      await atRelay(client, (c) =>
        c.postInvitation({ invitationId, codeHash: hashRelaySecret(code), expiresAt: expiresAt.getTime() }),
      );
      db.transaction(() => {
        const now = kit.clock();
        repo.addInvitation({
          invitationId,
          userId: p.userId,
          createdBy: ctx.caller?.username ?? 'anonymous',
          createdAt: now.toISOString(),
          expiresAt: expiresAt.toISOString(),
        });
        // The code is the phone's credential: never in the log.
        kit.record(ctx, {
          action: 'mobile.phones.invite',
          target: `user:${p.userId}`,
          detail: { invitationId, expiresAt: expiresAt.toISOString() },
        });
      })();
      changed('phones', p.userId);
      return {
        invitationId,
        code,
        relayUrl: cfg.url,
        fingerprint: cfg.fingerprint,
        expiresAt: expiresAt.toISOString(),
      };
    },

    'mobile.phones.list': (p, ctx) => {
      visibleUser(ctx, p.userId, 'users:read');
      const live = new Map<string, number>();
      for (const k of repo.keys(p.userId))
        if (k.state !== 'revoked') live.set(k.phoneId, (live.get(k.phoneId) ?? 0) + 1);
      return {
        phones: repo.phonesOf(p.userId).map((ph) => ({
          phoneId: ph.phoneId,
          userId: ph.userId,
          label: ph.label,
          enrolledAt: ph.enrolledAt,
          activeKeys: live.get(ph.phoneId) ?? 0,
        })),
        invitations: repo.pendingInvitations(p.userId, kit.clock()).map((i) => ({
          invitationId: i.invitationId,
          userId: i.userId,
          createdAt: i.createdAt,
          expiresAt: i.expiresAt,
        })),
      };
    },

    'mobile.phones.remove': async (p, ctx) => {
      ctx.audit!.target = `phone:${p.phoneId}`;
      const phone = visiblePhone(ctx, p.phoneId);
      const revoked: number[] = [];
      for (const key of repo.liveKeysOf(phone.phoneId)) {
        await revoke(ctx, key);
        revoked.push(key.credentialId);
      }
      db.transaction(() => {
        repo.removePhone(phone.phoneId);
        kit.record(ctx, {
          action: 'mobile.phones.remove',
          target: `phone:${phone.phoneId}`,
          detail: { userId: phone.userId, label: phone.label, revoked },
        });
      })();
      const client = deps.relay.client();
      if (client)
        await deps.relay
          .call((c) => c.removePhone(phone.phoneId), client)
          .catch((err: unknown) => {
            // Its keys are cancelled already; the relay forgetting the phone is housekeeping.
            kit.log.warn(
              { phoneId: phone.phoneId, err: relayProblem(err) },
              'mobile: the relay kept a removed phone',
            );
          });
      changed('phones', phone.userId);
      if (revoked.length) changed('keys', phone.userId);
      return { revoked };
    },

    'mobile.keys.list': (p, ctx) => {
      const all = repo.keys(p.userId);
      const hidden = new Set(
        hiddenFrom(
          db,
          ctx,
          'users:read',
          'credential',
          all.map((k) => k.credentialId),
        ),
      );
      return {
        keys: all
          .filter((k) => !hidden.has(k.credentialId))
          .map((k) => ({
            credentialId: k.credentialId,
            userId: k.userId,
            phoneId: k.phoneId,
            phoneLabel: k.phoneLabel,
            state: k.state,
            issuedAt: k.issuedAt,
            notAfter: k.notAfter,
            deliveredAt: k.deliveredAt,
            revokedAt: k.revokedAt,
          })),
      };
    },

    'mobile.keys.issue': async (p, ctx) => {
      ctx.audit!.target = `user:${p.userId}`;
      const now = kit.clock();
      const user = visibleUser(ctx, p.userId, 'keys:encode');
      const phone = repo.phone(p.phoneId);
      if (!phone || phone.userId !== p.userId) throw notFound('phone of this user', p.phoneId);
      const ends = [
        p.validUntil === undefined ? now.getTime() + DEFAULT_KEY_MS : Date.parse(p.validUntil),
        ...(user.validUntil === null ? [] : [Date.parse(user.validUntil)]),
      ];
      const notAfter = new Date(Math.min(...ends));
      if (notAfter <= now)
        throw invalidParams([
          { path: 'validUntil', message: 'must be in the future (and the user still valid)' },
        ]);
      const client = relayClient();

      const { groupKeyId, credentialId, sealed } = await atEncoder(async (sealer) => {
        const groupKeyId = await distributeGroupKey(sealer);
        const credentialId = db.transaction(() => {
          const id = issueKey(
            kit,
            ctx,
            { userId: p.userId, uid: freeUid(now), expiresAt: notAfter.toISOString() },
            now,
            false,
          );
          repo.markMobile(id);
          return id;
        })();
        try {
          return { groupKeyId, credentialId, sealed: await seal(sealer, credentialId, phone, notAfter) };
        } catch (err) {
          // No token exists: the id was never handed out.
          keys.discardUnwritten(credentialId);
          throw err;
        }
      });

      let state: MobileKeyState = 'sent';
      let relayError: string | null = null;
      try {
        await deps.relay.call(
          (c) =>
            c.postToken(phone.phoneId, {
              tokenId: sealed.tokenId,
              token: sealed.token,
              expiresAt: notAfter.getTime(),
            }),
          client,
        );
      } catch (err) {
        if (err instanceof RelayError && err.status > 0) {
          // The relay refused it: it holds nothing, so nothing was issued.
          keys.discardUnwritten(credentialId);
          throw relayUnavailable(`The relay refused the key, nothing was issued: ${relayProblem(err)}`);
        }
        // No answer: the relay may hold it or not. The key stays (its id may be out there) as lost, for a
        // resend once the relay is back, or a revoke.
        state = 'lost';
        relayError = relayProblem(err);
      }
      db.transaction(() => {
        repo.sent(
          {
            credentialId,
            phoneId: phone.phoneId,
            tokenId: sealed.tokenId,
            groupKeyId,
            notAfter: notAfter.toISOString(),
          },
          kit.clock(),
        );
        if (state === 'lost') repo.lost(credentialId);
        kit.record(ctx, {
          action: 'mobile.keys.issue',
          target: `key:${credentialId}`,
          detail: {
            userId: p.userId,
            phoneId: phone.phoneId,
            tokenId: sealed.tokenId,
            groupKeyId,
            notAfter: notAfter.toISOString(),
            state,
            ...(relayError ? { relayError } : {}),
          },
        });
      })();
      changed('keys', p.userId);
      return { credentialId, state };
    },

    'mobile.keys.resend': async (p, ctx) => {
      ctx.audit!.target = `key:${p.credentialId}`;
      const key = visibleKey(ctx, p.credentialId);
      const credential = keys.byId(p.credentialId, kit.clock());
      if (key.state === 'revoked' || !credential || credential.status === 'cancelled')
        throw new RpcError('CONFLICT', `Mobile key ${p.credentialId} is revoked: issue a new one`, {
          reason: 'revoked',
        });
      if (credential.status === 'expired')
        throw new RpcError('CONFLICT', `Mobile key ${p.credentialId} expired: issue a new one`, {
          reason: 'expired',
        });
      const phone = repo.phone(key.phoneId);
      if (!phone)
        throw new RpcError(
          'CONFLICT',
          `The phone of mobile key ${p.credentialId} was removed: issue a new key`,
          {
            reason: 'phone removed',
          },
        );
      const client = relayClient();
      const notAfter = new Date(key.notAfter);
      const { groupKeyId, sealed } = await atEncoder(async (sealer) => {
        const groupKeyId = await distributeGroupKey(sealer);
        return { groupKeyId, sealed: await seal(sealer, key.credentialId, phone, notAfter) };
      });
      await atRelay(client, (c) =>
        c.postToken(phone.phoneId, {
          tokenId: sealed.tokenId,
          token: sealed.token,
          expiresAt: notAfter.getTime(),
        }),
      );
      // The token it replaces carries the older access: the phone is told to delete it.
      if (key.tokenId !== sealed.tokenId)
        await deps.relay
          .call((c) => c.revokeToken(phone.phoneId, key.tokenId), client)
          .catch(() => undefined);
      db.transaction(() => {
        const now = kit.clock();
        repo.sent(
          {
            credentialId: key.credentialId,
            phoneId: phone.phoneId,
            tokenId: sealed.tokenId,
            groupKeyId,
            notAfter: key.notAfter,
          },
          now,
        );
        // The phone now carries the holder's current access, as an updated card would.
        if (credential.status === 'needs-update') keys.revalidate(key.credentialId, now);
        kit.record(ctx, {
          action: 'mobile.keys.resend',
          target: `key:${key.credentialId}`,
          detail: {
            userId: key.userId,
            phoneId: phone.phoneId,
            tokenId: sealed.tokenId,
            replaced: key.tokenId,
            groupKeyId,
          },
        });
      })();
      changed('keys', key.userId);
      return { credentialId: key.credentialId, state: 'sent' as const };
    },

    'mobile.keys.revoke': async (p, ctx) => {
      ctx.audit!.target = `key:${p.credentialId}`;
      const key = visibleKey(ctx, p.credentialId);
      if (key.state === 'revoked')
        throw new RpcError('CONFLICT', `Mobile key ${p.credentialId} is already revoked`, {
          reason: 'revoked',
        });
      await revoke(ctx, key);
      const after = repo.key(key.credentialId)!;
      kit.record(ctx, {
        action: 'mobile.keys.revoke',
        target: `key:${key.credentialId}`,
        detail: {
          userId: key.userId,
          phoneId: key.phoneId,
          tokenId: key.tokenId,
          relayTold: after.revokeToldAt !== null,
        },
      });
      changed('keys', key.userId);
      return { credentialId: key.credentialId, state: 'revoked' as const };
    },
  };
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/**
 * The sealer of the NCoder on this desk; ENCODER_UNAVAILABLE, saying what to do, when it is not
 * plugged in, not paired here, or busy with a card.
 */
export function ncoderSealer(link: NcoderLink | undefined): MobileSealer {
  const state = link?.status.state ?? 'absent';
  if (!link || state === 'absent')
    throw encoderUnavailable(
      'absent',
      'Mobile keys are sealed by the NCoder and none is connected: connect the encoder (or start `lintel sim ncoder`)',
    );
  if (state === 'unpaired')
    throw encoderUnavailable('unpaired', 'The NCoder is not paired with this site: pair it first');
  if (state === 'paired-elsewhere')
    throw encoderUnavailable(
      'paired-elsewhere',
      'The NCoder belongs to another site: factory-reset it, then pair it here',
    );
  return {
    groupKeyId: () => link.withSession(async (d) => hex((await d.mobileGroup()).groupKeyId)),
    wrapGroupKey: (lockPublicKey) =>
      link.withSession(async (d) => hex(await d.wrapGroupKey(Buffer.from(lockPublicKey, 'hex')))),
    sealToken: (t) =>
      link.withSession(async (d) => {
        const sealed = await d.sealToken(t);
        return { tokenId: hex(sealed.tokenId), token: sealed.token };
      }),
  };
}

/**
 * Wraps the group key for locks that reported a public key since the last issue (an RF lock that
 * joined, an offline lock a PPD visited), so they open mobile keys without waiting for the next issue.
 * Only when mobile keys exist and the NCoder sits idle and ready: a card operation is never delayed.
 */
export async function wrapForNewLocks(
  db: Db,
  clock: () => Date,
  link: NcoderLink | undefined,
): Promise<void> {
  if (!db.open || link?.status.state !== 'ready') return;
  const repo = new MobileRepo(db);
  const current = repo.currentGroupKeyId();
  if (current === undefined || repo.locksLacking(current).length === 0) return;
  const sealer = ncoderSealer(link);
  const groupKeyId = await sealer.groupKeyId();
  for (const lock of repo.locksLacking(groupKeyId)) {
    const wrapped = await sealer.wrapGroupKey(lock.publicKey);
    if (!db.open) return;
    repo.saveWrapped(lock.doorId, lock.publicKey, { groupKeyId, wrapped }, clock());
  }
}
