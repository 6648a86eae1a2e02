import { createHash, randomBytes } from 'node:crypto';
import type { Picc } from '../desfire/picc.js';
import { CapFunction } from './capabilities.js';
import { OsdpMessageError } from './message-bytes.js';
import type { Command, LedControl } from './messages.js';
import { PdSession } from './pd-session.js';
import { type Capability, NakReason, type PdId, type PdReply } from './replies.js';

/**
 * A wall reader as a Peripheral Device: a card field, a keypad and a fingerprint sensor behind a
 * {@link PdSession}. Pure apart from the session's randomness: the CLI (`lintel sim reader`) wires
 * it to a serial port with SerialPd and to a console, tests to a pty pair.
 *
 * - **Card field.** A card placed in the field is reported once as osdp_RAW (reader 0, format 0 =
 *   raw bits, the UID as it answered anticollision: the basic "card read"). In transparent mode
 *   (osdp_XWR mode 1) the CP talks to the card itself: `xwr-apdu` goes to `Picc.transceive`, a card
 *   arriving is reported as an XRD card-info report, one leaving as XRD card-present 0.
 * - **Keypad.** Keys typed are reported as one osdp_KEYPAD record: digits as ASCII, `*` as 0x7F and
 *   `#` as 0x0D (OSDP's keypad encoding).
 * - **Fingerprint sensor.** Enrolled fingers have a fixed template (derived from their name); a
 *   finger presented stays on the sensor until one osdp_BIOREAD (answers its template) or
 *   osdp_BIOMATCH (compares it with the CP's template) used it. Without a finger the answer is the
 *   status "timeout" (1).
 */

export interface ReaderSimulatorOptions {
  address: number;
  /** The reader's SCBK; without one it starts in install mode. */
  scbk?: Buffer;
  /** Accept SCBK-D (default: when there is no SCBK). */
  installMode?: boolean;
  /** Serial number in the ID report (default random). */
  serial?: number;
  /** Firmware version in the ID report. */
  firmware?: { major: number; minor: number; build: number };
  /** Called with a new SCBK from osdp_KEYSET before the ACK leaves (to store it). */
  onKeyset?: (scbk: Buffer) => void;
  /** Called with each osdp_LED command: the only light a simulator has is the line it prints. */
  onLed?: (leds: LedControl[]) => void;
  random?: (n: number) => Buffer;
}

/** "LNT": a placeholder vendor code for the simulator, not an IEEE-assigned OUI. */
export const SIM_VENDOR = Buffer.from('4c4e54', 'hex');
export const SIM_MODEL = 1;

/** What the simulated reader says it can do (osdp_PDCAP). */
export const SIM_CAPABILITIES: readonly Capability[] = [
  { function: CapFunction.CARD_DATA_FORMAT, compliance: 1, count: 0 },
  { function: CapFunction.READER_LED, compliance: 2, count: 1 },
  { function: CapFunction.READER_AUDIBLE, compliance: 2, count: 1 },
  { function: CapFunction.CHECK_CHARACTER, compliance: 1, count: 0 },
  { function: CapFunction.COMMUNICATION_SECURITY, compliance: 1, count: 1 },
  { function: CapFunction.RECEIVE_BUFFER, compliance: 1440 & 0xff, count: 1440 >> 8 },
  { function: CapFunction.SMART_CARD, compliance: 1, count: 0 },
  { function: CapFunction.READERS, compliance: 0, count: 1 },
  { function: CapFunction.BIOMETRICS, compliance: 1, count: 1 },
  { function: CapFunction.OSDP_VERSION, compliance: 2, count: 0 },
];

/** BIOREADR / BIOMATCHR status bytes. */
export const BioStatus = { SUCCESS: 0, TIMEOUT: 1 } as const;
/** The score a matching finger gets (0 = no match). */
export const MATCH_SCORE = 0xff;

const KEY_CODES: Record<string, number> = { '*': 0x7f, '#': 0x0d };

/** Keys as typed ("1234#") to OSDP keypad bytes; throws on anything a keypad does not have. */
export function keypadDigits(keys: string): Buffer {
  if (!/^[0-9*#]{1,64}$/.test(keys)) throw new Error('keypad: keys are 0-9, * and # (1 to 64 of them)');
  return Buffer.from([...keys].map((k) => KEY_CODES[k] ?? k.charCodeAt(0)));
}

/** OSDP keypad bytes back to the keys as typed. */
export function keypadText(digits: Uint8Array): string {
  return [...digits].map((d) => (d === 0x7f ? '*' : d === 0x0d ? '#' : String.fromCharCode(d))).join('');
}

/** The template an enrolled finger always gives (stands in for a real minutiae template). */
export function fingerTemplate(name: string): Buffer {
  return createHash('sha256').update(`lintel-sim-finger\0${name}`).digest();
}

const FINGER_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export class ReaderSimulator {
  readonly session: PdSession;
  readonly id: PdId;
  /** Called after an APDU reached the card (the console saves it back to its file). */
  onCardUsed: ((card: Picc) => void) | undefined;
  private card: Picc | undefined;
  private mode = 0;
  private readonly fingers = new Map<string, Buffer>();
  private presented: { name: string; template: Buffer } | undefined;
  private readonly random: (n: number) => Buffer;
  private readonly onLed: ((leds: LedControl[]) => void) | undefined;

  constructor(opts: ReaderSimulatorOptions) {
    this.onLed = opts.onLed;
    this.random = opts.random ?? randomBytes;
    const serial = opts.serial ?? this.random(4).readUInt32LE(0);
    this.id = {
      vendor: SIM_VENDOR,
      model: SIM_MODEL,
      version: 1,
      serial,
      firmware: opts.firmware ?? { major: 0, minor: 1, build: 0 },
    };
    const cuid = Buffer.alloc(8);
    SIM_VENDOR.copy(cuid, 0);
    cuid[3] = SIM_MODEL;
    cuid.writeUInt32LE(serial >>> 0, 4);
    this.session = new PdSession({
      address: opts.address,
      id: this.id,
      capabilities: [...SIM_CAPABILITIES],
      cuid,
      ...(opts.scbk && { scbk: opts.scbk }),
      installMode: opts.installMode ?? !opts.scbk,
      ...(opts.onKeyset && { onKeyset: opts.onKeyset }),
      random: this.random,
      handle: (cmd) => this.handle(cmd),
    });
  }

  /** The card in the field, if any. */
  get cardInField(): Picc | undefined {
    return this.card;
  }
  /** Whether the CP switched the reader into transparent mode. */
  get transparent(): boolean {
    return this.mode === 1;
  }
  get enrolled(): string[] {
    return [...this.fingers.keys()].sort();
  }
  get fingerOnSensor(): string | undefined {
    return this.presented?.name;
  }

  /** A card enters the field (replacing any other): reported at the next POLL. */
  placeCard(card: Picc): void {
    if (this.card) this.removeCard();
    this.card = card;
    const uid = Buffer.from(card.activation.uid);
    if (this.mode === 1) {
      this.session.report({
        type: 'xrd-card-info',
        reader: 0,
        protocol: 0,
        csn: uid,
        protocolData: Buffer.from(card.activation.ats),
      });
    } else {
      this.session.report({ type: 'raw', reader: 0, format: 0, bits: uid.length * 8, data: uid });
    }
  }

  /** The card leaves the field (loses power). */
  removeCard(): Picc | undefined {
    const card = this.card;
    if (!card) return undefined;
    card.powerOff();
    this.card = undefined;
    if (this.mode === 1) this.session.report({ type: 'xrd-card-present', reader: 0, status: 0 });
    return card;
  }

  /** Keys typed on the keypad ("1234#"): one osdp_KEYPAD report. */
  keypad(keys: string): void {
    this.session.report({ type: 'keypad', reader: 0, digits: keypadDigits(keys) });
  }

  /** Enrols a finger by name (the sensor's stand-in for a person); returns its template. */
  enrolFinger(name: string): Buffer {
    if (!FINGER_NAME.test(name)) throw new Error(`"${name}" is not a finger name (letters, digits, . _ -)`);
    const template = fingerTemplate(name);
    this.fingers.set(name, template);
    return template;
  }

  /** Puts a finger on the sensor: an enrolled one by name, or `unknown` (a finger nobody enrolled). */
  presentFinger(name: string): void {
    if (name === 'unknown') {
      this.presented = { name, template: this.random(32) };
      return;
    }
    const template = this.fingers.get(name);
    if (!template) throw new Error(`no finger "${name}" enrolled: finger enrol ${name} first`);
    this.presented = { name, template };
  }

  /** The application commands (the session handles POLL, ID, CAP, the handshake and KEYSET). */
  private handle(cmd: Command): PdReply {
    switch (cmd.type) {
      case 'lstat':
        return { type: 'lstatr', tamper: 0, power: 0 };
      case 'comset':
        // Not supported: the line settings are the port's, chosen on the simulator's command line.
        return { type: 'nak', reason: NakReason.RECORD, detail: Buffer.alloc(0) };
      case 'bioread':
      case 'biomatch':
        return this.biometric(cmd);
      case 'xwr-get-mode':
        return { type: 'xrd-mode', mode: this.mode, config: 0 };
      case 'xwr-set-mode':
        if (cmd.mode !== 0 && cmd.mode !== 1) throw new OsdpMessageError(`xwr: no mode ${cmd.mode}`);
        this.mode = cmd.mode;
        return { type: 'xrd-mode', mode: this.mode, config: 0 };
      case 'xwr-apdu': {
        if (this.mode !== 1) return { type: 'nak', reason: NakReason.RECORD, detail: Buffer.alloc(0) };
        const card = this.card;
        if (!card) return { type: 'xrd-card-present', reader: cmd.reader, status: 0 };
        const response = Buffer.from(card.transceive(cmd.apdu));
        this.onCardUsed?.(card);
        return { type: 'xrd-apdu', reader: cmd.reader, status: 0, response };
      }
      case 'xwr-scan': {
        const card = this.card;
        if (!card) return { type: 'xrd-card-present', reader: cmd.reader, status: 0 };
        return {
          type: 'xrd-card-info',
          reader: cmd.reader,
          protocol: 0,
          csn: Buffer.from(card.activation.uid),
          protocolData: Buffer.from(card.activation.ats),
        };
      }
      case 'xwr-done':
        return { type: 'ack' };
      case 'led':
        this.onLed?.(cmd.leds);
        return { type: 'ack' };
      default:
        // LED, buzzer, text, outputs: a simulator has nothing to light up.
        return { type: 'ack' };
    }
  }

  private biometric(cmd: Extract<Command, { type: 'bioread' | 'biomatch' }>): PdReply {
    // Format 0 (unspecified) or 2 (ANSI/INCITS 378 template); a raw image (1) is not offered.
    if (cmd.format !== 0 && cmd.format !== 2) {
      return { type: 'nak', reason: NakReason.BIO_FORMAT, detail: Buffer.alloc(0) };
    }
    const finger = this.presented;
    this.presented = undefined;
    if (cmd.type === 'bioread') {
      return finger
        ? {
            type: 'bioreadr',
            reader: 0,
            status: 0,
            bioType: cmd.bioType,
            quality: 90,
            template: finger.template,
          }
        : {
            type: 'bioreadr',
            reader: 0,
            status: BioStatus.TIMEOUT,
            bioType: cmd.bioType,
            quality: 0,
            template: Buffer.alloc(0),
          };
    }
    if (!finger)
      return { type: 'biomatchr', reader: 0, status: BioStatus.TIMEOUT, bioType: cmd.bioType, score: 0 };
    const match = finger.template.equals(cmd.template);
    return { type: 'biomatchr', reader: 0, status: 0, bioType: cmd.bioType, score: match ? MATCH_SCORE : 0 };
  }
}
