import fs from 'node:fs';
import path from 'node:path';
import { KeyCustodyError } from '../keys/errors.js';
import { PassphraseSource } from '../keys/passphrase.js';
import { invalidParams, RpcError } from '../rpc/rpc-error.js';
import { exportSite } from '../site/site-bundle.js';
import { SiteRepo } from '../store/site-repo.js';
import type { HandlerGroup, ServiceKit } from './handler-kit.js';

/** How the Service exports its site: where the host wants the files, and what to stamp them with. */
export interface SiteExportOptions {
  /** The host's folder for exports; without one the method answers UNAVAILABLE. */
  dir: string | undefined;
  lintelVersion: string;
}

/** The site name as a file name: ASCII letters and digits, dashes between words ("site" if none is left). */
export function siteSlug(name: string): string {
  const slug = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60)
    .replace(/-+$/, '');
  return slug || 'site';
}

/**
 * `<slug>-<UTC date and time>.lintel-site`, without colons (Windows refuses them), and with `-2`, `-3`…
 * when a file of that name exists: an export never replaces one, and two in the same second both land.
 */
export function exportFileName(dir: string, siteName: string, at: Date): string {
  const stamp = at
    .toISOString()
    .replace(/\.\d+Z$/, 'Z')
    .replace(/:/g, '');
  const base = `${siteSlug(siteName)}-${stamp}`;
  for (let n = 1; ; n++) {
    const file = path.join(dir, `${base}${n === 1 ? '' : `-${n}`}.lintel-site`);
    if (!fs.existsSync(file)) return file;
  }
}

/** A failed system call the operator can act on (disk full, folder not writable), as opposed to a bug. */
function diskProblem(err: unknown): string | undefined {
  const e = err as NodeJS.ErrnoException | undefined;
  return typeof e?.syscall === 'string' && typeof e.code === 'string' ? e.code : undefined;
}

/**
 * `site.exportBundle`: the site in one file under an export passphrase, written where the host keeps
 * exports, so that a desktop site — whose key only the app can reach in the OS keychain — can move to
 * `lintel serve`. The passphrase goes only to the export's key derivation: it is never logged, audited
 * or kept. One export at a time: each holds a copy of the database and Argon2's memory.
 */
export function siteExportHandlers(
  kit: ServiceKit,
  opts: SiteExportOptions,
): HandlerGroup<'site.exportBundle'> {
  let running = false;
  return {
    'site.exportBundle': async (p, ctx) => {
      ctx.audit!.target = 'site';
      // The whole site leaves in the file: settings:admin for a partition only is not enough.
      if (ctx.caller!.grants.scope('settings:admin') !== 'site')
        throw new RpcError(
          'FORBIDDEN',
          'Exporting the site needs settings:admin for the whole site, not only a partition of it',
          { reason: 'partition', permission: 'settings:admin' },
        );
      const dir = opts.dir;
      if (!dir)
        throw new RpcError(
          'UNAVAILABLE',
          'This host keeps no folder for site exports: use `lintel site export` on the machine that holds the site',
          { reason: 'no-export-folder' },
        );
      if (running)
        throw new RpcError('UNAVAILABLE', 'Another export of this site is running: try again once it ends', {
          reason: 'busy',
        });
      running = true;
      try {
        const at = kit.clock();
        const r = await exportSite(kit.site, {
          out: exportFileName(dir, new SiteRepo(kit.site.db).get().name, at),
          passphrase: new PassphraseSource(() => Promise.resolve(p.passphrase)),
          now: () => at,
          lintelVersion: opts.lintelVersion,
        });
        const result = { file: r.file, bytes: r.bytes, exportedAt: at.toISOString() };
        kit.record(ctx, { action: 'site.exportBundle', target: 'site', detail: result });
        kit.log.info(result, 'site-export: site exported');
        return result;
      } catch (err) {
        // The key policy's own check (exportSite asks it before anything is written), in its words.
        if (err instanceof KeyCustodyError && err.code === 'PASSPHRASE_WEAK')
          throw invalidParams([{ path: 'passphrase', message: err.message }]);
        const code = diskProblem(err);
        if (code)
          throw new RpcError('UNAVAILABLE', `The export could not be written in ${dir} (${code})`, {
            reason: 'disk',
            code,
          });
        throw err;
      } finally {
        running = false;
      }
    },
  };
}
