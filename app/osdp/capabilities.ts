import type { Capability, PdId } from './replies.js';

/**
 * osdp_PDCAP function codes (OSDP v2.2 §7.5, the "capability function codes" table) and readable
 * descriptions of a PD's answer, for the technician's tool and the console.
 */
export const CapFunction = {
  CONTACT_STATUS: 1,
  OUTPUT_CONTROL: 2,
  CARD_DATA_FORMAT: 3,
  READER_LED: 4,
  READER_AUDIBLE: 5,
  READER_TEXT: 6,
  TIME_KEEPING: 7,
  CHECK_CHARACTER: 8,
  COMMUNICATION_SECURITY: 9,
  RECEIVE_BUFFER: 10,
  COMBINED_MESSAGE: 11,
  SMART_CARD: 12,
  READERS: 13,
  BIOMETRICS: 14,
  SECURE_PIN_ENTRY: 15,
  OSDP_VERSION: 16,
} as const;

const pick = (table: Record<number, string>, level: number) => table[level] ?? `compliance level ${level}`;

/** One capability as a line: "Card data format: card data as an array of bits". */
export function describeCapability(c: Capability): string {
  const { compliance: level, count } = c;
  switch (c.function) {
    case CapFunction.CONTACT_STATUS:
      return `Inputs: ${count}, ${pick(
        {
          1: 'unsupervised',
          2: 'configurable normally open/closed',
          3: 'supervised',
          4: 'supervised, custom end-of-line',
        },
        level,
      )}`;
    case CapFunction.OUTPUT_CONTROL:
      return `Outputs: ${count}, ${pick(
        { 1: 'on/off', 2: 'on/off, inverted drive', 3: 'on/off, timed', 4: 'inverted drive and timed' },
        level,
      )}`;
    case CapFunction.CARD_DATA_FORMAT:
      return `Card data format: ${pick(
        { 1: 'array of bits', 2: 'BCD characters', 3: 'array of bits or BCD characters' },
        level,
      )}`;
    case CapFunction.READER_LED:
      return `LEDs per reader: ${count}, ${pick(
        { 1: 'on/off', 2: 'timed', 3: 'timed, bi-color', 4: 'timed, tri-color' },
        level,
      )}`;
    case CapFunction.READER_AUDIBLE:
      return `Buzzers per reader: ${count}, ${pick({ 1: 'on/off', 2: 'timed' }, level)}`;
    case CapFunction.READER_TEXT:
      return `Text displays per reader: ${count}, ${pick(
        {
          0: 'none',
          1: '1 row of 16 characters',
          2: '2 rows of 16 characters',
          3: '4 rows of 16 characters',
        },
        level,
      )}`;
    case CapFunction.TIME_KEEPING:
      return `Time keeping: ${pick({ 0: 'none', 1: 'accepts the time', 2: 'keeps time itself' }, level)}`;
    case CapFunction.CHECK_CHARACTER:
      return `Check character: ${level & 1 ? 'CRC-16 and checksum' : 'checksum only'}`;
    case CapFunction.COMMUNICATION_SECURITY:
      return `Secure Channel: ${level & 1 ? 'AES-128' : 'not supported'}${
        count & 1 ? ', accepts the default key (SCBK-D) for installation' : ''
      }`;
    case CapFunction.RECEIVE_BUFFER:
      return `Receive buffer: ${level | (count << 8)} bytes`;
    case CapFunction.COMBINED_MESSAGE:
      return `Largest combined message: ${level | (count << 8)} bytes`;
    case CapFunction.SMART_CARD:
      return `Smart card: ${level & 1 ? 'transparent mode (APDUs through the reader)' : 'no transparent mode'}`;
    case CapFunction.READERS:
      return `Readers: ${count}`;
    case CapFunction.BIOMETRICS:
      return `Biometrics: ${pick(
        { 0: 'none', 1: 'fingerprint, template 1', 2: 'fingerprint, template 2', 3: 'iris, template 1' },
        level,
      )}${level ? `, ${count} reader(s)` : ''}`;
    case CapFunction.SECURE_PIN_ENTRY:
      return `Secure PIN entry: ${level ? 'supported' : 'not supported'}`;
    case CapFunction.OSDP_VERSION:
      return `OSDP version: ${pick({ 0: 'unspecified', 1: 'IEC 60839-11-5', 2: 'SIA OSDP 2.2' }, level)}`;
    default:
      return `Function ${c.function}: compliance ${level}, count ${count}`;
  }
}

/** The ID report as "label: value" lines (vendor code as an OUI, serial number in hex and decimal). */
export function describePdId(id: PdId): string[] {
  const vendor = [...id.vendor].map((b) => b.toString(16).padStart(2, '0').toUpperCase()).join('-');
  const serial = id.serial >>> 0;
  return [
    `Vendor code:   ${vendor}`,
    `Model:         ${id.model}`,
    `Version:       ${id.version}`,
    `Serial number: ${serial.toString(16).toUpperCase().padStart(8, '0')} (${serial})`,
    `Firmware:      ${id.firmware.major}.${id.firmware.minor}.${id.firmware.build}`,
  ];
}
