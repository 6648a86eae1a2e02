import { openSite } from '../site/open-site.js';
import { AuditRepo } from '../store/audit-repo.js';
import { LATEST_SCHEMA_VERSION, schemaVersion } from '../store/migrations/index.js';
import { kekSourceFor, resolveDataDir, type SiteOptions } from './kek-options.js';

type Out = NodeJS.WritableStream;

/** Exit code of `lintel audit verify` when the chain is broken (1 stays for "could not check"). */
export const AUDIT_BROKEN_EXIT = 2;

/** Parses `--expect-head SEQ:HASH`, a head recorded earlier (e.g. printed by a previous verify). */
export function parseHead(text: string): { seq: number; hash: string } {
  const m = /^(\d+):([0-9a-f]{64})$/i.exec(text.trim());
  if (!m) throw new Error(`--expect-head must be SEQ:HASH as printed by lintel audit verify (got "${text}")`);
  return { seq: Number(m[1]), hash: m[2]!.toLowerCase() };
}

/**
 * `lintel audit verify`: recomputes the operator audit log's hash chain. Exits 2 when an entry was
 * altered or removed, or when a head recorded earlier (`--expect-head`) is no longer in the chain —
 * which also catches the newest entries being cut off, something a chain alone cannot show.
 */
export async function auditVerifyCommand(
  opts: SiteOptions & { expectHead?: string },
  out: Out,
): Promise<number> {
  const expected = opts.expectHead === undefined ? undefined : parseHead(opts.expectHead);
  const dataDir = resolveDataDir(opts);
  const site = await openSite({ dataDir, source: kekSourceFor(opts, dataDir), readonly: true });
  try {
    const version = schemaVersion(site.db);
    if (version < LATEST_SCHEMA_VERSION) {
      out.write(`problem: schema version ${version} has no audit chain yet: run lintel db migrate first\n`);
      return 1;
    }
    const audit = new AuditRepo(site.db);
    const check = audit.verify();
    let broken = !check.ok;
    if (check.firstBreak) out.write(`broken: entry ${check.firstBreak.seq}: ${check.firstBreak.reason}\n`);
    if (expected) {
      const recorded = audit.hashAt(expected.seq);
      if (recorded === undefined) {
        out.write(`broken: entry ${expected.seq} (the expected head) is gone: the log was cut short\n`);
        broken = true;
      } else if (recorded !== expected.hash) {
        out.write(`broken: entry ${expected.seq} no longer has the expected hash: the log was rewritten\n`);
        broken = true;
      } else {
        out.write(`ok: entry ${expected.seq} still has the expected hash\n`);
      }
    }
    out.write(
      `${broken ? 'BROKEN' : 'ok'}: ${check.entries} audit entries checked; head ${check.head.seq}:${check.head.hash}\n`,
    );
    if (!broken)
      out.write('Record the head elsewhere; pass it later as --expect-head to detect truncation.\n');
    return broken ? AUDIT_BROKEN_EXIT : 0;
  } finally {
    site.close();
  }
}
