import { randomBytes } from 'node:crypto';
import { ADDITIONAL_FRAME, MAX_SHORT_LC, isoStatusApdu, parseCommandApdu, responseApdu } from './apdu.js';
import { finishAuthentication, startAuthentication, type PendingAuth } from './card-auth.js';
import { COMMANDS, type CommandSpec } from './card-commands.js';
import type { CardContext, CommandResult } from './card-context.js';
import { commandMode, openCommand, sealResponse, wireLength } from './card-secure-channel.js';
import { fromSnapshot, toSnapshot, type CardSnapshot } from './card-snapshot.js';
import { blankState, type CardSize } from './card-state.js';
import { Transaction } from './card-transaction.js';
import { Cmd } from './command-codes.js';
import type { Picc } from './picc.js';
import { MAX_CMD_CTR } from './secure-messaging.js';
import { Status } from './status.js';

/** How to build an emulated card. */
export interface DesfireCardOptions {
  /** The 7-byte UID; default random with NXP's 0x04 prefix. */
  uid?: Uint8Array;
  /** Memory size; default 4k. */
  size?: CardSize;
  /** Personalised with random ID: a fresh 4-byte ID (0x08 …) at each activation; the UID only through GetCardUID. */
  randomId?: boolean;
  /** Most data bytes in one frame either way for native commands; default 59 (a 64-byte frame with ISO wrapping). */
  frameSize?: number;
  /** Random source for RndB, TI, random IDs and the default UID; tests inject one to replay published exchanges. */
  random?: (length: number) => Uint8Array;
}

/** The ATS of a DESFire EV2: FSCI 5 (64-byte frames), TA 77, TB 81, TC 02, historical byte 80. */
const ATS = Buffer.from('067577810280', 'hex');

type MutableContext = { -readonly [K in keyof CardContext]: CardContext[K] };

/** A chained exchange the card is in the middle of. */
type Pending =
  | { kind: 'auth'; auth: PendingAuth }
  | { kind: 'command'; ins: number; spec: CommandSpec; data: Buffer; total: number; limit: number }
  | { kind: 'response'; frames: Buffer[] };

/**
 * An emulated MIFARE DESFire EV2 answering ISO 7816-4 wrapped native commands as the card would, so
 * the same client code drives it and a real card. AES-128 keys only; see docs in the command modules
 * (card-*-commands.ts) for what each command checks, card-memory.ts for the memory model.
 */
export class DesfireCard implements Picc {
  private readonly ctx: MutableContext;
  private readonly frameSize: number;
  private pending: Pending | null = null;
  private randomIdNow: Buffer | null = null;

  constructor(options: DesfireCardOptions = {}) {
    const random = options.random ?? ((n: number) => randomBytes(n));
    this.frameSize = options.frameSize ?? 59;
    if (!Number.isInteger(this.frameSize) || this.frameSize < 16 || this.frameSize > 250) {
      throw new RangeError('DesfireCard: frameSize must be 16..250');
    }
    if (options.uid && options.uid.length !== 7) throw new RangeError('DesfireCard: the UID is 7 bytes');
    const uid = options.uid ? Buffer.from(options.uid) : Buffer.concat([Buffer.of(0x04), random(6)]);
    const state = blankState(uid, options.size ?? '4k', options.randomId ?? false);
    this.ctx = { state, selectedAid: 0, session: null, transaction: new Transaction(), random };
    this.activate();
  }

  /** A card from a snapshot (see snapshot()); throws RangeError when it is not a valid one. */
  static restore(
    snapshot: unknown,
    options: Pick<DesfireCardOptions, 'frameSize' | 'random'> = {},
  ): DesfireCard {
    const state = fromSnapshot(snapshot);
    const card = new DesfireCard({ ...options, uid: state.uid, size: state.size });
    card.ctx.state = state;
    card.activate();
    return card;
  }

  /** The persistent state as JSON-serialisable data: keys, applications, files, committed records. */
  snapshot(): CardSnapshot {
    return toSnapshot(this.ctx.state);
  }

  get activation(): { uid: Uint8Array; atqa: number; sak: number; ats: Uint8Array } {
    const uid = Buffer.from(this.randomIdNow ?? this.ctx.state.uid);
    return { uid, atqa: uid.length === 7 ? 0x0344 : 0x0304, sak: 0x20, ats: Buffer.from(ATS) };
  }

  powerOff(): void {
    this.ctx.session = null;
    this.ctx.selectedAid = 0;
    this.ctx.transaction.abort();
    this.pending = null;
    this.activate();
  }

  transceive(apdu: Uint8Array): Uint8Array {
    try {
      return this.exchange(apdu);
    } catch {
      // A bug, not an input the card refuses: answer "no precise diagnosis" rather than throw at the reader.
      this.ctx.session = null;
      this.pending = null;
      return isoStatusApdu(0x6f00);
    }
  }

  private activate(): void {
    const { state, random } = this.ctx;
    this.randomIdNow = state.randomId ? Buffer.concat([Buffer.of(0x08), random(3)]) : null;
  }

  private exchange(apdu: Uint8Array): Buffer {
    const parsed = parseCommandApdu(apdu);
    if (!parsed.ok) return isoStatusApdu(parsed.sw);
    const { ins, data } = parsed;
    if (ins === ADDITIONAL_FRAME) return this.continueExchange(data);
    // A new command abandons whatever chained exchange or authentication was going on.
    this.pending = null;
    if (ins === Cmd.AUTHENTICATE_EV2_FIRST || ins === Cmd.AUTHENTICATE_EV2_NON_FIRST) {
      return this.authenticate(ins === Cmd.AUTHENTICATE_EV2_FIRST, data);
    }
    const spec = COMMANDS.get(ins);
    if (!spec) return this.error(Status.ILLEGAL_COMMAND);
    const limit = spec.isoChaining ? MAX_SHORT_LC : this.frameSize;
    if (data.length > limit) return this.error(Status.LENGTH_ERROR);
    const total = this.expectedLength(spec, data);
    if (total !== undefined && data.length < total) {
      this.pending = { kind: 'command', ins, spec, data, total, limit };
      return responseApdu(Status.ADDITIONAL_FRAME);
    }
    return this.execute(ins, spec, data);
  }

  /** How many bytes a write announces, so the card knows to wait for more frames. */
  private expectedLength(spec: CommandSpec, first: Buffer): number | undefined {
    const p = spec.protection;
    if (p.kind !== 'file' || !p.bodyLength || first.length < p.header) return undefined;
    const mode = commandMode(this.ctx, p, first);
    if (typeof mode === 'number') return undefined;
    return (
      p.header + wireLength(this.ctx.session ? mode : 'plain', p.bodyLength(first.subarray(0, p.header)))
    );
  }

  private continueExchange(data: Buffer): Buffer {
    const pending = this.pending;
    this.pending = null;
    if (!pending) return this.error(Status.ILLEGAL_COMMAND);
    if (pending.kind === 'response') {
      return data.length === 0 ? this.sendFrames(pending.frames) : this.error(Status.LENGTH_ERROR);
    }
    if (pending.kind === 'auth') {
      const { result, session } = finishAuthentication(this.ctx, pending.auth, data);
      if (!session) return this.error(result.status);
      this.ctx.session = session;
      return responseApdu(result.status, result.data);
    }
    // A frame that brings nothing cannot continue a command: refusing it keeps a confused reader from looping.
    if (data.length === 0 || data.length > pending.limit) return this.error(Status.LENGTH_ERROR);
    const all = Buffer.concat([pending.data, data]);
    if (all.length < pending.total) {
      this.pending = { ...pending, data: all };
      return responseApdu(Status.ADDITIONAL_FRAME);
    }
    return all.length === pending.total
      ? this.execute(pending.ins, pending.spec, all)
      : this.error(Status.LENGTH_ERROR);
  }

  private authenticate(first: boolean, data: Buffer): Buffer {
    const { result, pending } = startAuthentication(this.ctx, first, data);
    this.ctx.session = null;
    if (!pending) return this.error(result.status);
    this.pending = { kind: 'auth', auth: pending };
    return responseApdu(result.status, result.data);
  }

  private execute(ins: number, spec: CommandSpec, raw: Buffer): Buffer {
    const session = this.ctx.session;
    if (session && session.cmdCtr >= MAX_CMD_CTR) return this.error(Status.AUTHENTICATION_ERROR);
    const mode = commandMode(this.ctx, spec.protection, raw);
    if (typeof mode === 'number') return this.error(mode);
    const p = spec.protection;
    const header = p.kind === 'full' || p.kind === 'file' ? p.header : 0;
    const opened = openCommand(session, ins, mode, header, raw);
    if (typeof opened === 'number') return this.error(opened);
    const result: CommandResult = spec.run(this.ctx, opened);
    if (result.status !== Status.OPERATION_OK) return this.error(result.status);
    let body = result.data ?? Buffer.alloc(0);
    if (session) {
      if (result.endsSession) {
        this.ctx.session = null;
      } else {
        body = sealResponse(session, mode, result);
        session.cmdCtr += 1;
      }
    }
    return this.respond(body, result.frames ?? [], spec.isoChaining ? MAX_SHORT_LC + 1 : this.frameSize);
  }

  /** Splits an answer into frames (explicit first lengths, then `limit` bytes each); the last carries the status. */
  private respond(body: Buffer, explicit: number[], limit: number): Buffer {
    const frames: Buffer[] = [];
    let rest = body;
    for (const n of explicit) {
      frames.push(rest.subarray(0, n));
      rest = rest.subarray(n);
    }
    while (rest.length > limit) {
      frames.push(rest.subarray(0, limit));
      rest = rest.subarray(limit);
    }
    frames.push(rest);
    return this.sendFrames(frames);
  }

  private sendFrames(frames: Buffer[]): Buffer {
    const [first, ...rest] = frames;
    if (rest.length === 0) return responseApdu(Status.OPERATION_OK, first);
    this.pending = { kind: 'response', frames: rest };
    return responseApdu(Status.ADDITIONAL_FRAME, first);
  }

  /** An error answer: the bare status, and like a real card it ends the authentication. */
  private error(status: number): Buffer {
    this.ctx.session = null;
    this.pending = null;
    return responseApdu(status);
  }
}
