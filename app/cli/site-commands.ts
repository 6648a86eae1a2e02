import path from 'node:path';
import { KeyFileSource } from '../keys/key-file.js';
import { PassphraseSource } from '../keys/passphrase.js';
import { packageVersion } from '../package-info.js';
import { openSite } from '../site/open-site.js';
import { systemClock } from '../site/site.js';
import { exportSite, importSite } from '../site/site-bundle.js';
import { kekSourceFor, resolveDataDir, type SiteOptions } from './kek-options.js';
import { passphraseGetter } from './passphrase-input.js';

type Out = NodeJS.WritableStream;

/** Where the export passphrase comes from: its own file option, variable and prompt, never the site's. */
interface ExportPassphraseOptions {
  exportPassphraseFile?: string;
}

function exportPassphrase(opts: ExportPassphraseOptions, confirm: boolean): PassphraseSource {
  return new PassphraseSource(
    passphraseGetter({
      file: opts.exportPassphraseFile,
      envVar: 'LINTEL_EXPORT_PASSPHRASE',
      prompt: 'Export passphrase: ',
      confirm,
    }),
  );
}

/**
 * `lintel site export`: the site in one file under an export passphrase. It opens the site as a reader
 * (no lock), like `lintel db backup`, so it works while `lintel serve` or the desktop app runs.
 */
export async function exportCommand(
  opts: SiteOptions & ExportPassphraseOptions & { out: string },
  out: Out,
): Promise<void> {
  const dataDir = resolveDataDir(opts);
  const site = await openSite({ dataDir, source: kekSourceFor(opts, dataDir), readonly: true });
  try {
    const r = await exportSite(site, {
      out: opts.out,
      passphrase: exportPassphrase(opts, true),
      now: systemClock,
      lintelVersion: packageVersion(),
    });
    out.write(
      `Site ${r.siteId} exported to ${r.file} (${r.bytes} bytes, encrypted).\n` +
        'It opens only with the export passphrase: pass that on separately from the file.\n' +
        `Install it elsewhere with: lintel site import --in ${path.basename(r.file)} --data-dir <empty folder>\n`,
    );
  } finally {
    site.close();
  }
}

/** `lintel site import`: installs an export as a new site in an empty data folder, under its own key. */
export async function importCommand(
  opts: SiteOptions & ExportPassphraseOptions & { in: string },
  out: Out,
): Promise<void> {
  const dataDir = resolveDataDir(opts);
  const target = kekSourceFor(opts, dataDir);
  const r = await importSite(path.resolve(opts.in), {
    dataDir,
    passphrase: exportPassphrase(opts, false),
    target,
    now: systemClock,
    actor: 'lintel site import',
    source: 'cli',
  });
  out.write(
    `Imported site "${r.siteName}" (${r.siteId}, exported ${r.exportedAt}) into ${r.dataDir}.\n` +
      `Its key-encryption key is ${target instanceof KeyFileSource ? `in ${target.file}: back it up apart from the data folder` : 'derived from the site passphrase'}.\n` +
      'Operators sign in with their usual passwords; `lintel serve` makes a new TLS certificate on its first start.\n',
  );
}
