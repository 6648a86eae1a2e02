import { randomBytes } from 'node:crypto';
import type { Log } from '../log.js';
import type { HidDevices } from '../ports/hid.js';
import { NcoderDriver } from './ncoder-driver.js';
import { NcoderError, isNcoderError } from './ncoder-errors.js';
import type { NcoderInfo } from './ncoder-messages.js';
import { NCODER_PRODUCT_ID, NCODER_VENDOR_ID } from './ncoder-usb-ids.js';
import type { CardActivation } from './session-messages.js';

/**
 * The Service's handle on "the NCoder on this desk": finds it by vendor/product id, opens and
 * authenticates it with the pairing key the Service keeps for its serial, notices when it is unplugged
 * (its transport closes) and finds it again when it comes back, re-authenticating by itself. Callers
 * get exclusive access one at a time: `withCard` for a whole card operation, or single calls.
 */

/** Where the encoder is (the values of the contract's EncoderState). */
export type NcoderLinkState = 'absent' | 'unpaired' | 'paired-elsewhere' | 'ready' | 'busy';

/** The state with the encoder's identity once it answered. */
export interface NcoderLinkStatus {
  state: NcoderLinkState;
  serial?: string;
  firmware?: string;
}

/** A card activated in the field, for the length of one `withCard`. */
export interface NcoderCard {
  readonly activation: CardActivation;
  /** One APDU to the card (usable as a DESFire client transport); fails once `withCard` returned. */
  transceive(apdu: Uint8Array): Promise<Uint8Array>;
}

/** Link settings. */
export interface NcoderLinkOptions {
  devices: HidDevices;
  /** The pairing key the Service stored for this encoder serial; undefined when it has none. */
  pairingKey: (serial: string) => Uint8Array | undefined | Promise<Uint8Array | undefined>;
  vendorId?: number;
  productId?: number;
  /** How often to look for the encoder while it is absent (default 1000 ms). */
  scanIntervalMs?: number;
  /** Timeout of one request to the encoder (default 3000 ms). */
  requestTimeoutMs?: number;
  log?: Log;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class NcoderLink {
  private driver: NcoderDriver | undefined;
  private info: NcoderInfo | undefined;
  private current: NcoderLinkStatus = { state: 'absent' };
  private readonly listeners = new Set<(status: NcoderLinkStatus) => void>();
  private timer: NodeJS.Timeout | undefined;
  private scanning: Promise<void> | undefined;
  private running = false;
  private lock: Promise<unknown> = Promise.resolve();

  constructor(private readonly opts: NcoderLinkOptions) {}

  /** Starts looking for the encoder. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.schedule(0);
  }

  /** Stops looking and closes the encoder; the state goes to absent. */
  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    await this.scanning;
    const d = this.driver;
    this.driver = undefined;
    await d?.close();
    this.setState('absent');
  }

  /** The state now. */
  get status(): NcoderLinkStatus {
    return { ...this.current };
  }

  /** Calls `cb` on every change of state (or of encoder). Returns a function that stops it. */
  onChange(cb: (status: NcoderLinkStatus) => void): () => void {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }

  /** Resolves when the state is `state` (now or later); rejects after `timeoutMs`. */
  whenState(state: NcoderLinkState, timeoutMs = 10_000): Promise<NcoderLinkStatus> {
    if (this.current.state === state) return Promise.resolve(this.status);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        off();
        reject(new NcoderError('TIMEOUT', `ncoder-link: still ${this.current.state}, not ${state}`));
      }, timeoutMs);
      const off = this.onChange((s) => {
        if (s.state !== state) return;
        clearTimeout(timer);
        off();
        resolve(s);
      });
    });
  }

  /** Checks the encoder again now (after the Service changed its pairing key, say). */
  refresh(): Promise<NcoderLinkStatus> {
    return this.exclusive(async () => {
      if (this.driver) await this.establish(this.driver);
      else await this.scan();
      return this.status;
    });
  }

  /**
   * Pairs an unpaired encoder with a new random key. `save` stores it first, so an encoder never ends
   * up holding a key the Service lost; if pairing then fails the stored key is simply never used.
   */
  pair(save: (serial: string, key: Uint8Array) => void | Promise<void>): Promise<NcoderLinkStatus> {
    return this.exclusive(async () => {
      const d = this.connected();
      const info = await d.info();
      if (info.paired)
        throw new NcoderError('ALREADY_PAIRED', `ncoder-link: ${info.serial} is already paired`);
      const key = randomBytes(16);
      try {
        await save(info.serial, Uint8Array.from(key));
        await d.pair(key);
        this.info = await d.authenticate(key);
      } finally {
        key.fill(0);
      }
      this.setState('ready');
      return this.status;
    });
  }

  /**
   * Runs `fn` with the card on the encoder, alone: the field is reset, a card is waited for (up to
   * `waitMs`, NO_CARD after that), the state is busy meanwhile.
   */
  withCard<T>(fn: (card: NcoderCard) => Promise<T>, opts: { waitMs?: number } = {}): Promise<T> {
    return this.exclusive(async () => {
      const d = await this.session();
      this.setState('busy');
      let open = true;
      try {
        await d.fieldReset();
        const activation = await this.waitForCard(d, opts.waitMs ?? 0);
        return await fn({
          activation,
          transceive: (apdu) =>
            open
              ? d.transceive(apdu)
              : Promise.reject(new NcoderError('PROTOCOL', 'ncoder-link: the card session ended')),
        });
      } finally {
        open = false;
        if (this.current.state === 'busy') this.setState('ready');
      }
    });
  }

  /** Activates the card in the field; null when there is none. */
  poll(): Promise<CardActivation | null> {
    return this.exclusive(async () => (await this.session()).poll());
  }

  /** One APDU to the activated card, as one exclusive call (a DESFire client transport). */
  transceive = (apdu: Uint8Array): Promise<Uint8Array> =>
    this.exclusive(async () => (await this.session()).transceive(apdu));

  /** Resets the field: the card must be polled again. */
  fieldReset(): Promise<void> {
    return this.exclusive(async () => (await this.session()).fieldReset());
  }

  /** Runs `fn` with the authenticated encoder, alone: session ops that need no card (mobile keys). */
  withSession<T>(fn: (driver: NcoderDriver) => Promise<T>): Promise<T> {
    return this.exclusive(async () => fn(await this.session()));
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.lock.then(fn);
    this.lock = run.catch(() => {});
    return run;
  }

  private connected(): NcoderDriver {
    if (!this.driver) throw new NcoderError('UNPLUGGED', 'ncoder-link: no NCoder is plugged in');
    return this.driver;
  }

  /** The driver with a session, authenticating again if the last one ended. */
  private async session(): Promise<NcoderDriver> {
    const d = this.connected();
    if (!d.authenticated) await this.establish(d);
    if (d.authenticated) return d;
    const state = this.current.state;
    if (state === 'unpaired') throw new NcoderError('NOT_PAIRED', 'ncoder-link: the NCoder is not paired');
    if (state === 'paired-elsewhere')
      throw new NcoderError('PAIRED_ELSEWHERE', 'ncoder-link: the NCoder belongs to another site');
    throw new NcoderError('UNPLUGGED', 'ncoder-link: the NCoder went away');
  }

  private async waitForCard(d: NcoderDriver, waitMs: number): Promise<CardActivation> {
    const until = Date.now() + waitMs;
    for (;;) {
      const card = await d.poll();
      if (card) return card;
      if (Date.now() >= until) throw new NcoderError('NO_CARD', 'ncoder-link: no card on the encoder');
      await sleep(Math.min(150, Math.max(1, until - Date.now())));
    }
  }

  /** Asks the encoder who it is, then authenticates or says why not. */
  private async establish(d: NcoderDriver): Promise<void> {
    const info = await d.info();
    this.info = info;
    if (!info.paired) return this.setState('unpaired');
    const key = await this.opts.pairingKey(info.serial);
    if (!key) return this.setState('paired-elsewhere');
    try {
      await d.authenticate(key);
      this.setState('ready');
    } catch (err) {
      if (isNcoderError(err, 'PAIRED_ELSEWHERE')) return this.setState('paired-elsewhere');
      if (isNcoderError(err, 'NOT_PAIRED')) return this.setState('unpaired');
      throw err;
    }
  }

  private schedule(ms: number): void {
    clearTimeout(this.timer);
    if (!this.running) return;
    this.timer = setTimeout(() => void this.exclusive(() => this.scan()).finally(() => this.rescan()), ms);
    this.timer.unref();
  }

  private rescan(): void {
    if (!this.driver) this.schedule(this.opts.scanIntervalMs ?? 1000);
  }

  private async scan(): Promise<void> {
    if (!this.running || this.driver) return;
    const done = (async () => {
      const { devices, log } = this.opts;
      const filter = {
        vendorId: this.opts.vendorId ?? NCODER_VENDOR_ID,
        productId: this.opts.productId ?? NCODER_PRODUCT_ID,
      };
      try {
        const [found] = await devices.list(filter);
        if (found && this.running) await this.attach(found.path);
      } catch (err) {
        log?.warn(
          { err: err instanceof Error ? err.message : String(err) },
          'ncoder-link: looking for the NCoder failed',
        );
      }
    })();
    this.scanning = done;
    await done;
    this.scanning = undefined;
  }

  private async attach(path: string): Promise<void> {
    const { devices, log } = this.opts;
    const transport = await devices.open(path);
    const d = new NcoderDriver(transport, {
      timeoutMs: this.opts.requestTimeoutMs ?? 3000,
      ...(log ? { log } : {}),
    });
    this.driver = d;
    d.onClose(() => this.detached(d));
    try {
      await this.establish(d);
      log?.info({ serial: this.info?.serial, state: this.current.state }, 'ncoder-link: NCoder connected');
    } catch (err) {
      // Not answering like an NCoder (or gone already): let go, look again later.
      log?.warn(
        { path, err: err instanceof Error ? err.message : String(err) },
        'ncoder-link: NCoder did not answer',
      );
      await d.close();
    }
  }

  private detached(d: NcoderDriver): void {
    if (this.driver !== d) return;
    this.driver = undefined;
    this.info = undefined;
    this.opts.log?.info('ncoder-link: NCoder gone');
    this.setState('absent');
    this.schedule(this.opts.scanIntervalMs ?? 1000);
  }

  private setState(state: NcoderLinkState): void {
    const next: NcoderLinkStatus = { state };
    if (state !== 'absent' && this.info) {
      next.serial = this.info.serial;
      next.firmware = this.info.firmware;
    }
    if (next.state === this.current.state && next.serial === this.current.serial) return;
    this.current = next;
    for (const cb of [...this.listeners]) cb(this.status);
  }
}
