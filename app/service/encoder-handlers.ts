import { revalidated } from '../card/access-data.js';
import type { CardAuditRecord } from '../card/audit-record.js';
import { CardError } from '../card/card-error.js';
import { CARD_FORMAT_VERSION } from '../card/format-limits.js';
import { deriveCardKeys, siteTag, siteUidKey, wipeCardKeys, type CardKeys } from '../card/card-keys.js';
import {
  eraseCard,
  formatCard,
  inspectCard,
  readCard,
  revealUid,
  verifyCard,
  writeCard,
  type CardInspection,
  type CardOperationOptions,
  type CardStep as CardRunStep,
} from '../card/lintel-card.js';
import type { CardStep, EncoderStatus } from '../contract/index.js';
import { DesfireClient } from '../desfire/index.js';
import type { NcoderCard, NcoderLink } from '../ncoder/index.js';
import type { CallContext } from '../rpc/context.js';
import { RpcError } from '../rpc/rpc-error.js';
import { CardholderRepo } from '../store/cardholder-repo.js';
import { CredentialRepo } from '../store/credential-repo.js';
import { cardContentFor, type CardContent } from './card-content.js';
import { cardReport, type CardSeen } from './card-report.js';
import { cardRefused, encoderFailure, encoderUnavailable } from './encoder-errors.js';
import type { HandlerGroup, ServiceKit } from './handler-kit.js';
import type { Operation } from './operations.js';
import { issueKey, userKeyHandlers } from './user-key-handlers.js';
import { hiddenFrom } from './user-partition.js';

/** The version of the site's card keys new cards get (key rotation is a later step: docs/card-format.md). */
export const CARD_KEY_VERSION = 1;

/** How long a card call waits for a card to be placed on the encoder. */
const CARD_WAIT_MS = 2_000;

/** The steps the console shows, in order; the card layer's finer steps map onto them. */
const STEPS: readonly CardStep[] = ['detect', 'authenticate', 'format', 'write', 'verify'];
const SHOWN: Record<CardRunStep, CardStep> = {
  detect: 'detect',
  authenticate: 'authenticate',
  format: 'format',
  erase: 'format',
  write: 'write',
  commit: 'write',
  verify: 'verify',
};

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex').toUpperCase();

/** The secret store name of an encoder's pairing key. */
export const pairingSecret = (serial: string) => `ncoder.pairing/${serial}` as const;

/** One card call at the encoder: the card, its DESFire client, progress, and the keys of this site. */
class CardCall {
  readonly client: DesfireClient;
  private keys: CardKeys | undefined;

  constructor(
    private readonly kit: ServiceKit,
    readonly card: NcoderCard,
    readonly op: Operation,
  ) {
    this.client = new DesfireClient(card.transceive);
  }

  /** Options for one card operation: steps reported to the console, commit ends cancelling. */
  options(): CardOperationOptions {
    return {
      signal: this.op.signal,
      onProgress: (step) => {
        if (step === 'commit') this.op.beginWriting(STEPS.length);
        const shown = SHOWN[step];
        this.op.step(shown, STEPS.indexOf(shown), STEPS.length);
      },
    };
  }

  /**
   * What the card is, refusing other sites' cards. A random-ID card's real UID is read with the site's
   * UID-read key (or the factory key of a blank card) before anything else, since every other key needs it.
   */
  async inspect(): Promise<CardInspection & { uid: Buffer }> {
    const seen = await inspectCard(this.client, this.options());
    if (seen.kind === 'lintel' && !seen.siteTag.equals(siteTag(this.kit.site.siteId)))
      throw cardRefused('other-site', 'This card belongs to another Lintel site: it cannot be used here');
    if (seen.uid !== null) return seen as CardInspection & { uid: Buffer };
    const version = seen.kind === 'lintel' ? seen.keyVersion : CARD_KEY_VERSION;
    const uid = await revealUid(
      this.client,
      this.withMaster((m) => siteUidKey(m, this.kit.site.siteId, version)),
    );
    return { ...seen, uid };
  }

  /** Runs `use` with the site master key, wiped afterwards. */
  private withMaster<T>(use: (master: Buffer) => T): T {
    const master = this.kit.site.secrets.get('site.master');
    if (!master) throw new Error('encoder: the site has no master key');
    try {
      return use(master.value);
    } finally {
      master.value.fill(0);
    }
  }

  /** This site's keys for the card (derived once per call, wiped when the call ends). */
  keysFor(uid: Buffer, keyVersion = CARD_KEY_VERSION): CardKeys {
    if (!this.keys || !this.keys.uid.equals(uid) || this.keys.keyVersion !== keyVersion) {
      if (this.keys) wipeCardKeys(this.keys);
      this.keys = this.withMaster((m) => deriveCardKeys(m, this.kit.site.siteId, keyVersion, uid));
    }
    return this.keys;
  }

  /** Reads this site's card. */
  async read(seen: CardInspection & { uid: Buffer }): Promise<CardSeen> {
    // A card whose formatting was interrupted is blank to the console: encoding finishes it.
    if (seen.kind !== 'lintel')
      return { kind: seen.kind === 'foreign' ? 'foreign' : 'blank', uid: hex(seen.uid) };
    const reading = await readCard(this.client, this.keysFor(seen.uid, seen.keyVersion), this.options());
    return { kind: 'lintel', uid: hex(reading.uid), reading };
  }

  /**
   * Writes content and reads it back. Once the write committed, a failed read-back cannot undo it: the
   * card holds the new content (or, if it was lifted during the commit, may): the caller keeps the key
   * and the console is told to read the card.
   */
  async write(keys: CardKeys, content: CardContent): Promise<void> {
    await writeCard(this.client, keys, content, this.options());
    try {
      await verifyCard(this.client, keys, content, this.options());
    } catch (err) {
      throw new CardError(
        'VERIFY_MISMATCH',
        `The card was written but could not be read back (${err instanceof Error ? err.message : String(err)})`,
        { cause: err, commitSent: true },
      );
    }
  }

  /**
   * The card as it is after a verified write: what was written (read back byte for byte already), so
   * the result needs no third pass over the card.
   */
  written(uid: Buffer, keys: CardKeys, content: CardContent, audit: CardAuditRecord[] = []): CardSeen {
    const info = { formatVersion: CARD_FORMAT_VERSION, siteTag: keys.siteTag, keyVersion: keys.keyVersion };
    return { kind: 'lintel', uid: hex(uid), reading: { uid, info, ...content, audit } };
  }

  /** Wipes the derived keys. */
  end(): void {
    if (this.keys) wipeCardKeys(this.keys);
  }
}

/**
 * The encoder methods: the NCoder link's state, pairing, and the card operations. Each card call takes
 * the encoder for itself (busy meanwhile), waits briefly for a card, reports its steps, can be
 * cancelled until the card's CommitTransaction, and leaves the database consistent with the card: a
 * key is kept only if its card was written (or may have been: then the console is told to read it).
 */
export function encoderHandlers(
  kit: ServiceKit,
  link: NcoderLink | undefined,
): HandlerGroup<
  | 'encoder.status'
  | 'encoder.pair'
  | 'encoder.encode'
  | 'encoder.read'
  | 'encoder.update'
  | 'encoder.cancel'
  | 'encoder.erase'
> {
  const db = kit.site.db;
  const keys = new CredentialRepo(db);
  const users = new CardholderRepo(db);
  const keyHandlers = userKeyHandlers(kit);

  /** Runs one card call: the encoder must be ready, a card on it; errors become the contract's. */
  async function withCard<T>(
    ctx: CallContext,
    method: string,
    operationId: string | undefined,
    work: (call: CardCall) => Promise<T>,
  ): Promise<T> {
    if (!link || link.status.state === 'absent')
      throw encoderUnavailable(
        'absent',
        'No NCoder is plugged in: plug it in (or start `lintel sim ncoder`)',
      );
    const state = link.status.state;
    if (state === 'unpaired')
      throw encoderUnavailable('unpaired', 'The NCoder is not paired with this site: pair it first');
    if (state === 'paired-elsewhere')
      throw encoderUnavailable(
        'paired-elsewhere',
        'The NCoder belongs to another site: factory-reset it, then pair it here',
      );
    if (state === 'busy')
      throw encoderUnavailable(
        'busy',
        'The NCoder is busy with another card operation: wait for it to finish',
      );
    return kit.operations.run(ctx, method, operationId, async (op) => {
      op.step('detect', 0, STEPS.length);
      try {
        return await link.withCard(
          async (card) => {
            const call = new CardCall(kit, card, op);
            try {
              return await work(call);
            } finally {
              call.end();
            }
          },
          { waitMs: CARD_WAIT_MS },
        );
      } catch (err) {
        throw encoderFailure(err);
      } finally {
        op.end(STEPS.length);
      }
    });
  }

  /** The key a card of this site carries, as the database has it; CARD_ERROR when it is unknown. */
  function keyOn(seen: CardSeen) {
    const access = seen.reading?.access;
    if (!access) throw cardRefused('unknown-key', 'This card holds no key: encode one onto it');
    const key = keys.byId(access.credentialId, kit.clock());
    if (!key || key.userId !== access.userId)
      throw cardRefused(
        'unknown-key',
        `This card carries key ${access.credentialId}, which this site does not know: erase the card and encode it again`,
      );
    return key;
  }

  return {
    'encoder.status': async () => {
      const status: EncoderStatus = { ...(link?.status ?? { state: 'absent' }), card: null };
      if (link && status.state === 'ready') {
        const card = await link.poll().catch(() => null);
        if (card)
          status.card = {
            uid: hex(card.uid),
            randomId: card.uid.length === 4 && card.uid[0] === 0x08,
          };
      }
      return status;
    },

    'encoder.pair': async (_p, ctx) => {
      if (!link || link.status.state === 'absent')
        throw encoderUnavailable('absent', 'No NCoder is plugged in: plug it in first');
      if (link.status.state !== 'unpaired')
        throw encoderUnavailable(
          link.status.state === 'paired-elsewhere' ? 'paired-elsewhere' : 'busy',
          'The NCoder is already paired: only a factory reset of the encoder pairs it again',
        );
      try {
        const status = await link.pair((serial, key) => {
          // Stored before the encoder takes it, so an encoder never holds a key the site lost.
          kit.site.secrets.replace(pairingSecret(serial), 1, Buffer.from(key), kit.clock());
          kit.record(ctx, { action: 'encoder.pair', target: `encoder:${serial}` });
        });
        return { ...status, card: null };
      } catch (err) {
        throw encoderFailure(err);
      }
    },

    'encoder.encode': (p, ctx) =>
      withCard(ctx, 'encoder.encode', p.operationId, async (call) => {
        // A user who is not there (or outside the caller's partition) is refused before the card is touched.
        if (
          !users.byId(p.userId, kit.clock()) ||
          hiddenFrom(db, ctx, 'keys:encode', 'cardholder', [p.userId]).length
        )
          throw new RpcError('NOT_FOUND', `No user ${p.userId}: reload the list`);
        const seen = await call.inspect();
        if (seen.kind === 'foreign')
          throw cardRefused(
            'not-lintel',
            'This DESFire card is used by another system: use a blank card (or erase it in that system)',
          );
        const cardKeys = call.keysFor(seen.uid);
        if (seen.kind === 'lintel') {
          const onCard = await call.read(seen);
          const held = onCard.reading?.access
            ? keys.byId(onCard.reading.access.credentialId, kit.clock())
            : undefined;
          if (held && (held.status === 'issued' || held.status === 'needs-update'))
            throw new RpcError(
              'CONFLICT',
              `This card already carries live key ${held.id}: update it, or cancel that key first`,
              { reason: 'card holds a live key', keyId: held.id },
            );
        } else {
          await formatCard(call.client, cardKeys, call.options());
        }
        const uid = hex(seen.uid);
        const { id, content } = db.transaction(() => {
          const now = kit.clock();
          const keyId = issueKey(kit, ctx, { ...p, uid }, now, false);
          return { id: keyId, content: cardContentFor(db, keyId, now)! };
        })();
        try {
          await call.write(cardKeys, content);
        } catch (err) {
          // Nothing reached the card: the key never existed outside the database, so it goes.
          if (!(err instanceof CardError && err.commitSent)) keys.discardUnwritten(id);
          throw err;
        }
        kit.record(ctx, { action: 'encoder.encode', target: `key:${id}` });
        const now = kit.clock();
        return {
          key: keys.byId(id, now)!,
          card: cardReport(db, call.written(seen.uid, cardKeys, content), now),
        };
      }),

    'encoder.read': (p, ctx) =>
      withCard(ctx, 'encoder.read', p.operationId, async (call) => {
        const seen = await call.read(await call.inspect());
        // A partitioned operator does not learn whose card it is when the holder is outside their part.
        const access = seen.reading?.access;
        if (access && hiddenFrom(db, ctx, 'keys:encode', 'credential', [access.credentialId]).length)
          throw new RpcError('FORBIDDEN', "This card's key belongs to a user outside your part of the site", {
            permission: 'keys:encode',
          });
        return cardReport(db, seen, kit.clock());
      }),

    'encoder.update': (p, ctx) =>
      withCard(ctx, 'encoder.update', p.operationId, async (call) => {
        const seen = await call.inspect();
        const before = await call.read(seen);
        const key = keyOn(before);
        if (key.status !== 'issued' && key.status !== 'needs-update')
          throw new RpcError('CONFLICT', `Key ${key.id} is ${key.status}: encode a new key instead`, {
            reason: key.status,
          });
        if (hiddenFrom(db, ctx, 'keys:encode', 'credential', [key.id]).length)
          throw new RpcError('NOT_FOUND', `No key ${key.id}: reload the list`);
        const now = kit.clock();
        const content = cardContentFor(db, key.id, now)!;
        const fresh = { ...content, access: revalidated(content.access, Math.floor(now.getTime() / 1000)) };
        const cardKeys = call.keysFor(seen.uid, seen.kind === 'lintel' ? seen.keyVersion : CARD_KEY_VERSION);
        await call.write(cardKeys, fresh);
        const updated = await keyHandlers['keys.revalidate']({ id: key.id }, ctx);
        const audit = before.reading?.audit ?? [];
        return {
          key: updated,
          card: cardReport(db, call.written(seen.uid, cardKeys, fresh, audit), kit.clock()),
        };
      }),

    'encoder.cancel': (p, ctx) =>
      withCard(ctx, 'encoder.cancel', p.operationId, async (call) => {
        const seen = await call.inspect();
        const key = keyOn(await call.read(seen));
        // The blacklist first: the key is dead whatever happens to the card next.
        const cancelled =
          key.status === 'cancelled'
            ? key
            : await keyHandlers['keys.cancel']({ id: key.id, version: key.version }, ctx);
        await eraseCard(
          call.client,
          call.keysFor(seen.uid, seen.kind === 'lintel' ? seen.keyVersion : 1),
          call.options(),
        );
        return { key: cancelled, card: cardReport(db, { kind: 'blank', uid: hex(seen.uid) }, kit.clock()) };
      }),

    'encoder.erase': (p, ctx) =>
      withCard(ctx, 'encoder.erase', p.operationId, async (call) => {
        const seen = await call.inspect();
        if (seen.kind === 'foreign')
          throw cardRefused('not-lintel', 'This card belongs to another system: Lintel cannot erase it');
        if (seen.kind === 'blank') return { uid: hex(seen.uid) };
        if (seen.kind === 'lintel') {
          const access = (await call.read(seen)).reading?.access;
          const key = access ? keys.byId(access.credentialId, kit.clock()) : undefined;
          if (key && (key.status === 'issued' || key.status === 'needs-update'))
            throw new RpcError('CONFLICT', `This card carries live key ${key.id}: cancel it first`, {
              reason: 'card holds a live key',
              keyId: key.id,
            });
        }
        const keyVersion = seen.kind === 'lintel' ? seen.keyVersion : CARD_KEY_VERSION;
        await eraseCard(call.client, call.keysFor(seen.uid, keyVersion), call.options());
        ctx.audit!.target = `card:${hex(seen.uid)}`;
        return { uid: hex(seen.uid) };
      }),
  };
}
