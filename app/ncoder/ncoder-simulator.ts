import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../keys/atomic-file.js';
import type { Log } from '../log.js';
import { Framer, Reassembler } from './hid-framing.js';
import type { HidDescriptor, HidDeviceEnd } from './hid-device-end.js';
import { NcoderDevice } from './ncoder-device.js';
import { CardField, type FieldCard } from './ncoder-field.js';
import { NCODER_PRODUCT, NCODER_PRODUCT_ID, NCODER_VENDOR_ID } from './ncoder-usb-ids.js';

/**
 * The NCoder simulator: the device engine (ncoder-device.ts) behind the HID framing, on any number of
 * host links (in-memory pairs, socket connections), with the RF field the tests and `lintel sim
 * ncoder` put cards in. The pairing state survives restarts in a JSON state file (mode 0600, since it
 * holds the pairing key) when one is given.
 */

/** Simulator settings. */
export interface NcoderSimulatorOptions {
  /** Serial number of a new simulator (a state file keeps the one it was created with). */
  serial?: string;
  firmware?: string;
  /** Where the serial and the pairing key live between runs; in memory only when absent. */
  stateFile?: string;
  log?: Log;
}

/** Where a report was going when the test hook saw it. */
export type ReportDirection = 'to-device' | 'to-host';

/** Serial and firmware: what GET_INFO and the socket descriptor have room for. */
const LABEL = /^[\x21-\x7e]{1,20}$/;

interface StateFile {
  format: 'lintel-ncoder-sim/1';
  serial: string;
  pairingKey: string | null;
  /** The mobile group key (hex); absent in files from before mobile keys. */
  groupKey?: string | null;
}

interface Connection {
  end: HidDeviceEnd;
  reassembler: Reassembler;
  framer: Framer;
}

function readState(file: string): StateFile | undefined {
  if (!fs.existsSync(file)) return undefined;
  const s = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<StateFile>;
  if (
    s.format !== 'lintel-ncoder-sim/1' ||
    typeof s.serial !== 'string' ||
    !(s.pairingKey === null || (typeof s.pairingKey === 'string' && /^[0-9a-f]{32}$/.test(s.pairingKey))) ||
    !(
      s.groupKey === undefined ||
      s.groupKey === null ||
      (typeof s.groupKey === 'string' && /^[0-9a-f]{64}$/.test(s.groupKey))
    )
  ) {
    throw new Error(`ncoder-sim: ${file} is not an NCoder simulator state file`);
  }
  return s as StateFile;
}

export class NcoderSimulator {
  readonly serial: string;
  readonly field = new CardField();
  readonly descriptor: HidDescriptor;
  /**
   * Test hook on every report: returns what is delivered instead ([] drops it, [r, r] duplicates it,
   * an altered copy alters it). Identity when unset.
   */
  tamper: ((direction: ReportDirection, report: Uint8Array) => Uint8Array[]) | undefined;
  private readonly device: NcoderDevice;
  /** What the state file holds (kept here so saving one key keeps the other). */
  private pairingKey: Uint8Array | null;
  private groupKey: Uint8Array | null;
  private readonly connections = new Set<Connection>();
  private active: Connection | undefined;

  constructor(private readonly opts: NcoderSimulatorOptions = {}) {
    const stored = opts.stateFile ? readState(opts.stateFile) : undefined;
    this.serial = stored?.serial ?? opts.serial ?? `NC-${randomBytes(4).toString('hex').toUpperCase()}`;
    const firmware = opts.firmware ?? '1.0.0-sim';
    if (!LABEL.test(this.serial) || !LABEL.test(firmware))
      throw new Error('ncoder-sim: serial and firmware are 1 to 20 printable ASCII characters, no spaces');
    const pairingKey = stored?.pairingKey ? Buffer.from(stored.pairingKey, 'hex') : null;
    this.pairingKey = pairingKey;
    this.groupKey = stored?.groupKey ? Buffer.from(stored.groupKey, 'hex') : null;
    this.device = new NcoderDevice({
      serial: this.serial,
      firmware,
      field: this.field,
      pairingKey,
      groupKey: this.groupKey,
      onPairingChange: (key) => {
        this.pairingKey = key;
        this.save();
        opts.log?.info({ serial: this.serial, paired: key !== null }, 'ncoder-sim: pairing changed');
      },
      onGroupKeyChange: (key) => {
        this.groupKey = key;
        this.save();
        opts.log?.info({ serial: this.serial, made: key !== null }, 'ncoder-sim: mobile group key changed');
      },
    });
    if (!stored) this.save();
    this.descriptor = {
      vendorId: NCODER_VENDOR_ID,
      productId: NCODER_PRODUCT_ID,
      release: 0x0100,
      serialNumber: this.serial,
      product: `${NCODER_PRODUCT} (simulated)`,
      manufacturer: 'Lintel',
    };
  }

  /** True once a host paired it. */
  get paired(): boolean {
    return this.device.paired;
  }

  /** True while a host holds an authenticated session. */
  get inSession(): boolean {
    return this.device.inSession;
  }

  /** Host links open now. */
  get hostCount(): number {
    return this.connections.size;
  }

  /** What the device and its framing refused so far. */
  get stats(): { malformed: number; replayed: number; forged: number; framing: number } {
    let framing = 0;
    for (const c of this.connections) framing += c.reassembler.stats.refused;
    return { ...this.device.stats, framing };
  }

  /** A host opened the device: serve it until its link closes. */
  connect(end: HidDeviceEnd): void {
    const c: Connection = { end, reassembler: new Reassembler(), framer: new Framer() };
    this.connections.add(c);
    end.onReport((report) => this.receive(c, report));
    end.onClose(() => {
      this.connections.delete(c);
      // The host that held the session is gone: end it, as firmware does on a USB reset.
      if (this.active === c) {
        this.active = undefined;
        this.device.endSession();
      }
    });
  }

  /** Delivers a report as if the most recent host had sent it (replay tests). */
  inject(report: Uint8Array): void {
    const c = this.active ?? [...this.connections][0];
    if (c) this.process(c, report);
  }

  /** Puts a card in the field. */
  place(card: FieldCard): void {
    this.field.place(card);
  }

  /** Takes the card away (it loses power); returns it. */
  remove(): FieldCard | undefined {
    return this.field.remove();
  }

  /** The card in the field, if any. */
  get card(): FieldCard | undefined {
    return this.field.card;
  }

  /** The factory-reset button: unpaired, session ended. */
  factoryReset(): void {
    this.device.factoryReset();
  }

  /**
   * Restarts the encoder: every host link drops, as a USB device re-enumerates when it reboots (after
   * a factory reset, say); hosts find it again by listing. The pairing state stays as it is.
   */
  restart(): void {
    for (const c of [...this.connections]) c.end.close();
  }

  private receive(c: Connection, report: Uint8Array): void {
    for (const r of this.tamper ? this.tamper('to-device', report) : [report]) this.process(c, r);
  }

  private process(c: Connection, report: Uint8Array): void {
    const result = c.reassembler.push(report);
    if (result.kind === 'error') {
      this.opts.log?.debug({ reason: result.error.reason }, 'ncoder-sim: report refused');
      return;
    }
    if (result.kind !== 'message') return;
    this.active = c;
    let answer: Uint8Array | undefined;
    try {
      answer = this.device.handle(result.message);
    } catch (err) {
      // A simulator bug must not take the process (and every host link) down: the host times out.
      this.opts.log?.error(
        { err: err instanceof Error ? err.message : String(err) },
        'ncoder-sim: request failed',
      );
      return;
    }
    if (!answer) return;
    for (const out of c.framer.frame(answer))
      for (const r of this.tamper ? this.tamper('to-host', out) : [out]) c.end.send(r);
  }

  private save(): void {
    if (!this.opts.stateFile) return;
    const state: StateFile = {
      format: 'lintel-ncoder-sim/1',
      serial: this.serial,
      pairingKey: this.pairingKey ? Buffer.from(this.pairingKey).toString('hex') : null,
      // Written only once made, so a file from an encoder that never made one stays as it was.
      ...(this.groupKey && { groupKey: Buffer.from(this.groupKey).toString('hex') }),
    };
    fs.mkdirSync(path.dirname(this.opts.stateFile), { recursive: true, mode: 0o700 });
    writeFileAtomic(this.opts.stateFile, `${JSON.stringify(state, null, 2)}\n`, 0o600);
  }
}
