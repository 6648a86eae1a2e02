import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from '../keys/atomic-file.js';

/**
 * demo.json, in the demo's data folder (mode 0600: it holds the demo administrator's password): what
 * the first start made — ids, card names, the ports that devices saved in their enrolments — so a
 * later `lintel demo --data-dir D` brings the same site back instead of seeding another.
 */

const Port = z.number().int().min(1).max(65_535);
const Id = z.number().int().positive();

export const DemoState = z.strictObject({
  format: z.literal(1),
  admin: z.strictObject({ username: z.string(), password: z.string() }),
  /** Ports the devices remember (the gateway's upstream, the units' gateway, the relay URL the Service keeps). */
  ports: z.strictObject({ link: Port, gateway: Port, relay: Port }),
  doors: z.record(z.string(), Id),
  people: z.record(
    z.string(),
    z.strictObject({ userId: Id, card: z.string().optional(), keyId: Id.optional() }),
  ),
  devices: z.strictObject({ gateway: Id, cuMain: Id, cuAnnex: Id }),
  rfLockEui: z.string().regex(/^[0-9A-F]{16}$/),
  /** Set once the first start finished: a folder without it is a demo that was interrupted while seeding. */
  ready: z.boolean(),
});
export type DemoState = z.infer<typeof DemoState>;

export const demoStateFile = (dataDir: string) => path.join(dataDir, 'demo.json');

/** The saved state, or undefined for a folder that holds no demo yet. */
export function readDemoState(dataDir: string): DemoState | undefined {
  const file = demoStateFile(dataDir);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  const parsed = DemoState.safeParse(json);
  if (!parsed.success)
    throw new Error(
      `${file} is not a demo state this Lintel reads: start the demo in another folder (or delete this one)`,
    );
  return parsed.data;
}

export function writeDemoState(dataDir: string, state: DemoState): void {
  writeFileAtomic(demoStateFile(dataDir), `${JSON.stringify(state, null, 2)}\n`, 0o600);
}
