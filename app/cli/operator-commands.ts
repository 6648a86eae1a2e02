import os from 'node:os';
import { humanToken } from '../crypto/random.js';
import { PasswordHasher } from '../service/passwords.js';
import { openSite } from '../site/open-site.js';
import { systemClock } from '../site/site.js';
import { AuditRepo } from '../store/audit-repo.js';
import { OperatorRepo } from '../store/operator-repo.js';
import { SessionRepo } from '../store/session-repo.js';
import { kekSourceFor, resolveDataDir, type SiteOptions } from './kek-options.js';

type Out = NodeJS.WritableStream;

/**
 * `lintel operator reset-password --username U`: the way back in when the only administrator forgot
 * their password. It needs what opening the site needs (the key file or the passphrase) and the site
 * not in use, sets a generated temporary password that must be changed at the next login, ends the
 * operator's sessions, and records it in the audit log with source `cli`.
 */
export async function resetPasswordCommand(
  opts: SiteOptions & { username: string },
  out: Out,
): Promise<number> {
  const dataDir = resolveDataDir(opts);
  const site = await openSite({
    dataDir,
    source: kekSourceFor(opts, dataDir),
    purpose: 'lintel operator reset-password',
  });
  try {
    const operators = new OperatorRepo(site.db);
    const op = operators.byUsername(opts.username);
    if (!op) {
      out.write(`problem: no operator named ${opts.username}\n`);
      return 1;
    }
    if (op.source !== 'local') {
      out.write(`problem: ${op.username} logs in through the directory: reset the password there\n`);
      return 1;
    }
    const password = humanToken(15);
    const hash = await new PasswordHasher().hash(password);
    const now = systemClock();
    site.db.transaction(() => {
      operators.setPasswordHash(op.id, hash, now, { mustChange: true });
      const sessions = new SessionRepo(site.db);
      for (const s of sessions.allFor(op.id)) sessions.delete(s.token_hash);
      new AuditRepo(site.db).append({
        at: now.toISOString(),
        operatorId: null,
        actor: `cli ${os.userInfo().username}`,
        action: 'operators.resetPassword',
        target: `operator:${op.id}`,
        detail: { generated: true, via: 'lintel operator reset-password' },
        source: 'cli',
      });
    })();
    out.write(
      `Temporary password for ${op.username}: ${password}\n` +
        'It is shown once; the operator must change it at the next login.\n',
    );
    return 0;
  } finally {
    site.close();
  }
}
