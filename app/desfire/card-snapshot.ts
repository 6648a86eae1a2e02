import { z } from 'zod';
import { freeMemory } from './card-memory.js';
import type { Application, CardFile, CardState } from './card-state.js';

/**
 * The JSON form of a card's persistent state, for simulators that keep cards in files. Bytes are
 * lowercase hex. Nothing volatile goes in: no session, no pending frames, no uncommitted writes.
 * Key material is in it, as it is in the card's EEPROM: guard the file like the card.
 */

const hex = z.string().regex(/^(?:[0-9a-f]{2})*$/, 'lowercase hex');
const byte = z.number().int().min(0).max(0xff);
const key = z.object({ key: hex.length(32), version: byte });
const common = {
  fileNo: z.number().int().min(0).max(31),
  comm: z.number().int().min(0).max(3),
  access: z.number().int().min(0).max(0xffff),
};

const fileSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('std'), ...common, data: hex.min(2) }),
  z.object({ type: z.literal('backup'), ...common, data: hex.min(2) }),
  z.object({
    type: z.literal('cyclic'),
    ...common,
    recordSize: z.number().int().min(1).max(0xffffff),
    maxRecords: z.number().int().min(2).max(0xffffff),
    records: z.array(hex),
  }),
]);

const snapshotSchema = z.object({
  format: z.literal('lintel.desfire-ev2/1'),
  uid: hex.length(14),
  size: z.enum(['2k', '4k', '8k']),
  randomId: z.boolean(),
  picc: z.object({ keySettings: byte, key }),
  applications: z
    .array(
      z.object({
        aid: z.number().int().min(1).max(0xffffff),
        keySettings: byte,
        keys: z.array(key).min(1).max(14),
        files: z.array(fileSchema).max(32),
      }),
    )
    .max(28),
});

/** A card's persistent state as JSON. */
export type CardSnapshot = z.infer<typeof snapshotSchema>;

const toHex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const fromHex = (s: string) => Buffer.from(s, 'hex');

function fileSnapshot(fileNo: number, file: CardFile): CardSnapshot['applications'][number]['files'][number] {
  if (file.type === 'cyclic') {
    const { recordSize, maxRecords } = file;
    return {
      type: 'cyclic',
      fileNo,
      comm: file.comm,
      access: file.access,
      recordSize,
      maxRecords,
      records: file.records.map(toHex),
    };
  }
  return { type: file.type, fileNo, comm: file.comm, access: file.access, data: toHex(file.data) };
}

/** The snapshot of a card state. */
export function toSnapshot(state: CardState): CardSnapshot {
  return {
    format: 'lintel.desfire-ev2/1',
    uid: toHex(state.uid),
    size: state.size,
    randomId: state.randomId,
    picc: {
      keySettings: state.piccKeySettings,
      key: { key: toHex(state.piccKey.key), version: state.piccKey.version },
    },
    applications: [...state.applications.values()].map((app) => ({
      aid: app.aid,
      keySettings: app.keySettings,
      keys: app.keys.map((k) => ({ key: toHex(k.key), version: k.version })),
      files: [...app.files].map(([fileNo, file]) => fileSnapshot(fileNo, file)),
    })),
  };
}

function fileState(f: CardSnapshot['applications'][number]['files'][number]): CardFile {
  if (f.type !== 'cyclic') return { type: f.type, comm: f.comm, access: f.access, data: fromHex(f.data) };
  const records = f.records.map(fromHex);
  if (records.length > f.maxRecords - 1 || records.some((r) => r.length !== f.recordSize)) {
    throw new RangeError(`card snapshot: file ${f.fileNo} holds records that do not fit it`);
  }
  return {
    type: 'cyclic',
    comm: f.comm,
    access: f.access,
    recordSize: f.recordSize,
    maxRecords: f.maxRecords,
    records,
  };
}

/** Validates a snapshot (shape, duplicates, memory) and rebuilds the card state; throws RangeError if it is not one. */
export function fromSnapshot(input: unknown): CardState {
  const parsed = snapshotSchema.safeParse(input);
  if (!parsed.success) throw new RangeError(`card snapshot: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  const s = parsed.data;
  const applications = new Map<number, Application>();
  for (const a of s.applications) {
    if (applications.has(a.aid)) throw new RangeError(`card snapshot: application ${a.aid} twice`);
    const files = new Map<number, CardFile>();
    for (const f of a.files) {
      if (files.has(f.fileNo)) throw new RangeError(`card snapshot: file ${f.fileNo} twice`);
      files.set(f.fileNo, fileState(f));
    }
    const keys = a.keys.map((k) => ({ key: fromHex(k.key), version: k.version }));
    applications.set(a.aid, { aid: a.aid, keySettings: a.keySettings, keys, files });
  }
  const state: CardState = {
    uid: fromHex(s.uid),
    size: s.size,
    randomId: s.randomId,
    piccKeySettings: s.picc.keySettings,
    piccKey: { key: fromHex(s.picc.key.key), version: s.picc.key.version },
    applications,
  };
  if (freeMemory(state) < 0) throw new RangeError('card snapshot: more data than the card holds');
  return state;
}
