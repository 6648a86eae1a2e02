import type { Application, CardFile, CardSize, CardState } from './card-state.js';

/**
 * The emulator's memory model. It approximates NXP's datasheets (NXP publishes the allocation rules
 * only under NDA; the public short data sheets give the user memory and the 32-byte allocation unit):
 *
 * - user memory: 2048, 4096 or 8192 bytes for a 2K, 4K or 8K card (the nominal sizes; a real card's
 *   GetFreeMemory on a blank card answers somewhat differently);
 * - files are allocated in whole 32-byte blocks; a backup data file takes twice its size (the
 *   mirror); a cyclic record file takes recordSize × maxRecords (the spare record included);
 * - each application costs one 32-byte block for its directory entry plus its keys at 17 bytes each
 *   (16-byte AES key and a version byte), rounded up to blocks;
 * - DeleteFile and DeleteApplication give their blocks back (EV2 reuses memory; an EV1 freed it only at
 *   FormatPICC).
 */

/** Allocation unit. */
export const BLOCK_BYTES = 32;

/** User memory by card size. */
export const CAPACITY_BYTES: Record<CardSize, number> = { '2k': 2048, '4k': 4096, '8k': 8192 };

/** Bytes a key takes in the application's key store: AES-128 key plus version byte. */
export const KEY_ENTRY_BYTES = 17;

function blocks(bytes: number): number {
  return Math.ceil(bytes / BLOCK_BYTES) * BLOCK_BYTES;
}

/** What a data file of `size` bytes costs: a backup file keeps a mirror, so twice. */
export function dataFileCost(type: 'std' | 'backup', size: number): number {
  return type === 'backup' ? 2 * blocks(size) : blocks(size);
}

/** What a record file costs: all its records, the spare included. */
export function recordFileCost(recordSize: number, maxRecords: number): number {
  return blocks(recordSize * maxRecords);
}

/** What a file costs in bytes. */
export function fileCost(file: CardFile): number {
  if (file.type === 'cyclic') return recordFileCost(file.recordSize, file.maxRecords);
  return dataFileCost(file.type, file.data.length);
}

/** What an application with `keyCount` keys costs before any file. */
export function applicationCost(keyCount: number): number {
  return BLOCK_BYTES + blocks(keyCount * KEY_ENTRY_BYTES);
}

function applicationTotal(app: Application): number {
  let total = applicationCost(app.keys.length);
  for (const file of app.files.values()) total += fileCost(file);
  return total;
}

/** Free user memory in bytes. */
export function freeMemory(state: CardState): number {
  let used = 0;
  for (const app of state.applications.values()) used += applicationTotal(app);
  return CAPACITY_BYTES[state.size] - used;
}
