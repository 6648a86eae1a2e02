import type { SiteLockedData } from '../app/contract/errors.js';
import { isMethodName } from '../app/contract/index.js';
import type { RpcResponse } from '../app/contract/jsonrpc.js';
import { custodyMethods } from '../app/contract/methods/custody.js';
import { KeyCustodyError } from '../app/keys/errors.js';
import { MIN_PASSPHRASE_LENGTH } from '../app/keys/passphrase.js';
import type { Log } from '../app/log.js';
import { RpcError, invalidParams } from '../app/rpc/rpc-error.js';
import { FailureBackoff, type BackoffPolicy } from '../app/service/rate-limiter.js';
import { StoreError } from '../app/store/errors.js';
import { IPC_CHANNELS, parseRpcMessage, type RpcMessage } from './ipc-guard.js';
import { senderCheck, type InvokeEvent } from './ipc-sender.js';
import type { IpcTransport } from './ipc-transport.js';
import type { PassphrasePrompt } from './key-custody.js';

// While the desktop site waits for its passphrase (the OS keychain cannot hold its key) there is no
// Service yet, so the main process answers `lintel:rpc` itself: `custody.unlock` hands the passphrase to
// key custody, everything else answers SITE_LOCKED. No electron import: ipcMain is injected, so the tests
// dispatch through a registry of their own against real sites.

/** Asks for the passphrase of one open attempt (what openDesktopSite's askPassphrase gets). */
export type AskPassphrase = (prompt: PassphrasePrompt) => Promise<string>;

/** The part of Electron's ipcMain the locked host uses. */
export interface IpcHandlers {
  handle(channel: string, listener: (event: InvokeEvent, message: unknown) => unknown): void;
  removeHandler(channel: string): void;
}

/**
 * Wrong passphrases cost time after a few: Argon2id already costs about a quarter of a second a try,
 * and anyone at this window could copy the files and guess offline anyway, so this only stops a
 * script driving the console from guessing faster than Argon2 allows. It waits minutes, not hours:
 * the operator who forgot the passphrase is the likely one typing.
 */
export const UNLOCK_BACKOFF: BackoffPolicy = {
  free: 5,
  windowMs: 15 * 60_000,
  baseDelayMs: 1_000,
  maxDelayMs: 5 * 60_000,
  maxKeys: 1,
};

/** Calls waiting for the site to open or to ask: a renderer cannot pile up more than this. */
const MAX_HELD = 100;

/** The backoff key: there is one console, and one site. */
const TRIES = 'unlock';

/** A `lintel:rpc` call not answered yet. */
interface Held {
  senderId: number;
  message: RpcMessage;
  answer: (response: RpcResponse) => void;
}

/** Where the open stands. */
type Phase =
  /** Opening without needing anything (yet): calls wait for the outcome. */
  | { kind: 'opening' }
  /** Key custody asked for the passphrase: calls answer SITE_LOCKED, custody.unlock gives it. */
  | { kind: 'waiting'; prompt: PassphrasePrompt; give: (passphrase: string) => void }
  /** Trying one passphrase (Argon2 runs): calls wait; the unlock call is answered with the outcome. */
  | { kind: 'trying'; prompt: PassphrasePrompt; passphrase: string; answer: (r: RpcResponse) => void }
  /** Handed over to the Service, or failed: nothing is answered here any more. */
  | { kind: 'done' };

let nextId = 1;

function failure(err: RpcError): RpcResponse {
  return { jsonrpc: '2.0', id: nextId++, error: err.toObject() };
}

/** A failed attempt the operator can correct (and try again), or undefined when the start must fail. */
function refusalOf(err: unknown): RpcError | undefined {
  if (!(err instanceof KeyCustodyError)) return undefined;
  if (err.code === 'WRONG_KEK')
    return new RpcError('INVALID_CREDENTIALS', 'That passphrase does not open this site');
  // The policy's own words, beside the field that broke it.
  if (err.code === 'PASSPHRASE_WEAK') return invalidParams([{ path: 'passphrase', message: err.message }]);
  return undefined;
}

/** What the console is told when the start failed; operator-facing messages only, never internals. */
function startFailure(err: unknown): RpcError {
  const why =
    err instanceof KeyCustodyError || err instanceof StoreError
      ? err.message
      : 'something went wrong (the log has the details)';
  return new RpcError('UNAVAILABLE', `Lintel could not open the site: ${why}`, { reason: 'start-failed' });
}

/**
 * The state of the locked main process, apart from Electron. `unlock` runs the opens, asking through
 * `ask` whenever key custody wants the passphrase; `rpc` answers the console meanwhile. Calls that come
 * while nothing is asked (the site is opening, or a passphrase is being tried) wait: they are answered
 * SITE_LOCKED if the passphrase is asked for, or by the Service once it is handed over.
 */
export class LockedHost {
  private phase: Phase = { kind: 'opening' };
  private held: Held[] = [];
  private readonly tries: FailureBackoff;

  constructor(
    private readonly log: Log,
    opts: { backoff?: BackoffPolicy; now?: () => number } = {},
  ) {
    this.tries = new FailureBackoff(opts.backoff ?? UNLOCK_BACKOFF, opts.now);
  }

  /** Whether the site waits for a passphrase right now. */
  get locked(): boolean {
    return this.phase.kind === 'waiting';
  }

  /**
   * Key custody's askPassphrase: resolves with the next passphrase the console sends. Asked again
   * within one attempt (a keyring with two passphrase wraps), it answers the same passphrase.
   */
  readonly ask: AskPassphrase = (prompt) => {
    const phase = this.phase;
    if (phase.kind === 'trying') return Promise.resolve(phase.passphrase);
    if (phase.kind === 'done')
      return Promise.reject(new Error('locked host: the site is already handed over'));
    return new Promise((give) => {
      this.phase = { kind: 'waiting', prompt, give };
      this.pump();
    });
  };

  /**
   * Opens the site with `open` until it opens: a wrong passphrase, or a new one the policy refuses, is
   * answered to the console and asked for again. Any other failure answers every waiting call and is
   * thrown (the start fails with its message). On success the unlock call waits for {@link handOver}.
   */
  async unlock<T>(open: (ask: AskPassphrase) => Promise<T>): Promise<T> {
    for (;;) {
      try {
        return await open(this.ask);
      } catch (err) {
        const phase = this.phase;
        // A refusal counts only if this attempt used a passphrase from the console: a development
        // passphrase (LINTEL_PASSPHRASE) that is wrong fails the start as before.
        const refusal = phase.kind === 'trying' ? refusalOf(err) : undefined;
        if (phase.kind !== 'trying' || !refusal) {
          this.fail(err);
          throw err;
        }
        this.phase = { kind: 'opening' };
        if (refusal.errorName === 'INVALID_CREDENTIALS') this.tries.fail(TRIES);
        this.log.warn({ outcome: refusal.errorName }, 'main: the site passphrase was refused');
        phase.answer(failure(refusal));
      }
    }
  }

  /** Answers one checked-sender `lintel:rpc` message. Never throws; always resolves to a response. */
  rpc(senderId: number, raw: unknown): Promise<RpcResponse> {
    const parsed = parseRpcMessage(raw);
    if (!parsed.ok) {
      this.log.warn({ webContents: senderId, reason: parsed.reason }, 'ipc: malformed rpc message refused');
      return Promise.resolve(failure(new RpcError('INVALID_REQUEST', `Invalid Request: ${parsed.reason}`)));
    }
    const { method } = parsed.message;
    if (!isMethodName(method))
      return Promise.resolve(failure(new RpcError('METHOD_NOT_FOUND', `Method not found: ${method}`)));
    if (this.phase.kind === 'done')
      return Promise.resolve(
        failure(new RpcError('UNAVAILABLE', 'The site is not open', { reason: 'closed' })),
      );
    if (this.held.length >= MAX_HELD) {
      return Promise.resolve(
        failure(
          new RpcError('UNAVAILABLE', 'Too many calls while the site opens: try again', { reason: 'busy' }),
        ),
      );
    }
    return new Promise((answer) => {
      this.held.push({ senderId, message: parsed.message, answer });
      this.pump();
    });
  }

  /**
   * The Service is up and its transport registered: the unlock call that opened the site succeeds, and
   * the calls still waiting go to the Service through `forward` (the new transport), in order.
   */
  handOver(forward: (senderId: number, message: RpcMessage) => Promise<RpcResponse>): void {
    const phase = this.phase;
    if (phase.kind === 'waiting') throw new Error('locked host: handed over while the site is still locked');
    this.phase = { kind: 'done' };
    if (phase.kind === 'trying') {
      this.tries.succeed(TRIES);
      phase.answer({ jsonrpc: '2.0', id: nextId++, result: { created: phase.prompt.creating } });
    }
    for (const call of this.held.splice(0)) void forward(call.senderId, call.message).then(call.answer);
  }

  /** The start failed: every waiting call learns why (operator words only), and nothing more is answered. */
  fail(err: unknown): void {
    const phase = this.phase;
    this.phase = { kind: 'done' };
    const answer = failure(startFailure(err));
    if (phase.kind === 'trying') phase.answer(answer);
    for (const call of this.held.splice(0)) call.answer(answer);
  }

  /** Answers what the current phase can answer; the rest keeps waiting, in order. */
  private pump(): void {
    const waiting = this.held;
    this.held = [];
    for (const call of waiting) {
      const phase = this.phase;
      if (phase.kind !== 'waiting') this.held.push(call);
      else if (call.message.method === 'custody.unlock') this.attempt(call, phase);
      else call.answer(failure(siteLocked(phase.prompt)));
    }
  }

  /** Hands a passphrase to key custody, unless guessing is being slowed down or the params are wrong. */
  private attempt(call: Held, phase: Extract<Phase, { kind: 'waiting' }>): void {
    const wait = this.tries.retryAfterSeconds(TRIES);
    if (wait > 0) {
      call.answer(
        failure(
          new RpcError('RATE_LIMITED', `Too many wrong passphrases: try again in ${wait} s`, {
            retryAfterSeconds: wait,
          }),
        ),
      );
      return;
    }
    const params = custodyMethods['custody.unlock'].params.safeParse(call.message.params ?? {});
    if (!params.success) {
      const issues = params.error.issues.map((i) => ({
        path: i.path.map(String).join('.'),
        message: i.message,
      }));
      call.answer(failure(invalidParams(issues)));
      return;
    }
    const { passphrase } = params.data;
    this.phase = { kind: 'trying', prompt: phase.prompt, passphrase, answer: call.answer };
    phase.give(passphrase);
  }
}

/** SITE_LOCKED, with what the unlock screen needs to ask. */
function siteLocked(prompt: PassphrasePrompt): RpcError {
  const data: Omit<SiteLockedData, 'name'> = {
    creating: prompt.creating,
    reason: prompt.reason,
    ...(prompt.creating ? { minLength: MIN_PASSPHRASE_LENGTH } : {}),
  };
  return new RpcError(
    'SITE_LOCKED',
    prompt.creating
      ? 'Choose a passphrase for the new site (custody.unlock)'
      : 'The site is locked: enter its passphrase (custody.unlock)',
    data,
  );
}

/** The locked handlers, registered; {@link LockedTransport.handOver} replaces them with the Service's. */
export interface LockedTransport {
  /**
   * Removes the locked handlers and calls `register` (registerIpcTransport) in the same synchronous
   * step, so no message finds both or neither; then answers the unlock call and forwards waiting calls.
   */
  handOver(register: () => IpcTransport): IpcTransport;
}

const CHANNELS = [IPC_CHANNELS.rpc, IPC_CHANNELS.subscribe, IPC_CHANNELS.unsubscribe] as const;

/**
 * Registers the locked mode on `ipc` (Electron's ipcMain): the same sender and shape checks as the
 * normal transport (ipc-transport.ts, ipc-guard.ts). Subscriptions are answered `false`: there are no
 * events before the Service exists, and a page subscribes again when it is replaced.
 */
export function registerLockedHost(ipc: IpcHandlers, host: LockedHost, log: Log): LockedTransport {
  const trusted = senderCheck(log);
  // Dropped, not answered with an error: an untrusted frame learns nothing, not even the channel.
  ipc.handle(IPC_CHANNELS.rpc, (event, message) =>
    trusted(event, IPC_CHANNELS.rpc) ? host.rpc(event.sender.id, message) : undefined,
  );
  ipc.handle(IPC_CHANNELS.subscribe, (event) => (trusted(event, IPC_CHANNELS.subscribe) ? false : undefined));
  ipc.handle(IPC_CHANNELS.unsubscribe, (event) =>
    trusted(event, IPC_CHANNELS.unsubscribe) ? false : undefined,
  );
  return {
    handOver(register) {
      for (const channel of CHANNELS) ipc.removeHandler(channel);
      let transport: IpcTransport;
      try {
        transport = register();
      } catch (err) {
        host.fail(err);
        throw err;
      }
      host.handOver((id, message) => transport.host.rpc(id, message));
      return transport;
    },
  };
}
