import { readU16, readU24, u16, u24, concat } from './bytes.js';
import { DesfireError } from './status.js';

/**
 * File settings as DESFire encodes them in CreateXxxFile and GetFileSettings, shared by the emulator
 * and the client. Access rights are four 4-bit key numbers in two bytes, little-endian:
 * bits 15..12 Read, 11..8 Write, 7..4 Read&Write, 3..0 Change; 0x0..0xD a key, 0xE free, 0xF never.
 */

/** How a command's data travels: as is, with a MAC, or encrypted and MACed. */
export type CommMode = 'plain' | 'mac' | 'full';

/** The key numbers of a file's four access rights; 0xE free access, 0xF never. */
export interface FileAccess {
  read: number;
  write: number;
  readWrite: number;
  change: number;
}

/** The access right value that needs no authentication. */
export const FREE_ACCESS = 0xe;

/** The access right value that nobody has. */
export const NO_ACCESS = 0xf;

/** DESFire file type codes. */
export const FileType = { std: 0x00, backup: 0x01, value: 0x02, linear: 0x03, cyclic: 0x04 } as const;

/** GetFileSettings, decoded. Value files are decoded so a real card's answer parses; we never create them. */
export type FileSettings =
  | { type: 'std' | 'backup'; comm: CommMode; access: FileAccess; size: number }
  | {
      type: 'linear' | 'cyclic';
      comm: CommMode;
      access: FileAccess;
      recordSize: number;
      maxRecords: number;
      currentRecords: number;
    }
  | {
      type: 'value';
      comm: CommMode;
      access: FileAccess;
      lowerLimit: number;
      upperLimit: number;
      limitedCreditValue: number;
      limitedCreditEnabled: boolean;
    };

/** The communication-settings byte: 00 plain, 01 MAC, 03 full (the datasheet also reads 02 as plain). */
export function commModeByte(mode: CommMode): number {
  return mode === 'plain' ? 0x00 : mode === 'mac' ? 0x01 : 0x03;
}

/** The mode of the two low bits of a communication-settings byte. */
export function commModeOf(byte: number): CommMode {
  const bits = byte & 0x03;
  return bits === 0x01 ? 'mac' : bits === 0x03 ? 'full' : 'plain';
}

/** Packs access rights into their 16-bit value. */
export function accessValue(access: FileAccess): number {
  for (const n of [access.read, access.write, access.readWrite, access.change]) {
    if (!Number.isInteger(n) || n < 0 || n > 0xf) throw new RangeError(`access right ${n} is not 0..15`);
  }
  return (access.read << 12) | (access.write << 8) | (access.readWrite << 4) | access.change;
}

/** Unpacks a 16-bit access-rights value. */
export function accessOf(value: number): FileAccess {
  return {
    read: (value >> 12) & 0xf,
    write: (value >> 8) & 0xf,
    readWrite: (value >> 4) & 0xf,
    change: value & 0xf,
  };
}

/** The 2 bytes of access rights as sent. */
export function accessBytes(access: FileAccess): Buffer {
  return u16(accessValue(access));
}

/** Encodes GetFileSettings for the files the emulator has (data and record files). */
export function encodeFileSettings(settings: FileSettings): Buffer {
  const head = concat(
    Buffer.of(FileType[settings.type], commModeByte(settings.comm)),
    accessBytes(settings.access),
  );
  switch (settings.type) {
    case 'std':
    case 'backup':
      return concat(head, u24(settings.size));
    case 'linear':
    case 'cyclic':
      return concat(head, u24(settings.recordSize), u24(settings.maxRecords), u24(settings.currentRecords));
    case 'value': {
      const tail = Buffer.alloc(13);
      tail.writeInt32LE(settings.lowerLimit, 0);
      tail.writeInt32LE(settings.upperLimit, 4);
      tail.writeInt32LE(settings.limitedCreditValue, 8);
      tail[12] = settings.limitedCreditEnabled ? 1 : 0;
      return concat(head, tail);
    }
  }
}

function malformed(why: string): DesfireError {
  return DesfireError.client('MALFORMED_RESPONSE', `GetFileSettings: ${why}`);
}

/**
 * Decodes a GetFileSettings answer. Refuses (MALFORMED_RESPONSE) unknown file types, lengths that do
 * not match the type, and the EV2 options we do not read (additional access rights, bit 7).
 */
export function decodeFileSettings(data: Uint8Array): FileSettings {
  if (data.length < 4) throw malformed(`${data.length} bytes`);
  const option = data[1]!;
  if (option & ~0x03) throw malformed(`file option 0x${option.toString(16)} is not supported`);
  const comm = commModeOf(option);
  const access = accessOf(readU16(data, 2));
  switch (data[0]) {
    case FileType.std:
    case FileType.backup:
      if (data.length !== 7) throw malformed(`a data file's settings are 7 bytes, not ${data.length}`);
      return { type: data[0] === FileType.std ? 'std' : 'backup', comm, access, size: readU24(data, 4) };
    case FileType.linear:
    case FileType.cyclic:
      if (data.length !== 13) throw malformed(`a record file's settings are 13 bytes, not ${data.length}`);
      return {
        type: data[0] === FileType.linear ? 'linear' : 'cyclic',
        comm,
        access,
        recordSize: readU24(data, 4),
        maxRecords: readU24(data, 7),
        currentRecords: readU24(data, 10),
      };
    case FileType.value: {
      if (data.length !== 17) throw malformed(`a value file's settings are 17 bytes, not ${data.length}`);
      const view = Buffer.from(data);
      return {
        type: 'value',
        comm,
        access,
        lowerLimit: view.readInt32LE(4),
        upperLimit: view.readInt32LE(8),
        limitedCreditValue: view.readInt32LE(12),
        limitedCreditEnabled: (view[16]! & 1) === 1,
      };
    }
    default:
      throw malformed(`unknown file type 0x${data[0]!.toString(16)}`);
  }
}
