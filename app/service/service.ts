import { createHash } from 'node:crypto';
import type { OperatorSummary } from '../contract/methods/session.js';
import type { z } from 'zod';
import { normaliseHumanToken, humanToken, secretsEqual } from '../crypto/index.js';
import type { Log } from '../log.js';
import type { CallContext, Caller } from '../rpc/context.js';
import { Dispatcher, type Handlers } from '../rpc/dispatcher.js';
import { buildOpenRpc } from '../rpc/openrpc.js';
import { RpcError } from '../rpc/rpc-error.js';
import { systemClock, type Clock, type OpenSite } from '../site/site.js';
import { AuditRepo, type AuditEntry } from '../store/audit-repo.js';
import { OperatorRepo, type OperatorRow } from '../store/operator-repo.js';
import { SessionRepo } from '../store/session-repo.js';
import { SetupTokenRepo } from '../store/setup-token-repo.js';
import { SiteRepo } from '../store/site-repo.js';
import { EventBus } from './event-bus.js';
import { PasswordHasher, passwordProblem } from './passwords.js';
import { FailureBackoff } from './rate-limiter.js';
import { DEFAULT_SESSION_POLICY, SessionManager, permissionsOf, type SessionPolicy } from './sessions.js';

/** How long a printed setup token stays valid. */
const SETUP_TOKEN_TTL_MS = 24 * 3_600_000;

/** What the service needs from its host (`lintel serve`, the Electron main process, tests). */
export interface ServiceOptions {
  site: OpenSite;
  log: Log;
  version: string;
  clock?: Clock;
  passwords?: PasswordHasher;
  sessionPolicy?: SessionPolicy;
}

function setupTokenHash(token: string): Buffer {
  return createHash('sha256').update(normaliseHumanToken(token), 'utf8').digest();
}

function summary(op: OperatorRow): z.input<typeof OperatorSummary> {
  return {
    id: op.id,
    username: op.username,
    displayName: op.display_name,
    role: op.role,
    permissions: [...permissionsOf(op.role)],
  };
}

/**
 * The Service: the site's database, operator authentication and the JSON-RPC methods, independent of
 * any transport. `lintel serve`, the Electron main process and the tests host the same object.
 */
export class Service {
  readonly events = new EventBus();
  readonly dispatcher: Dispatcher;
  readonly sessions: SessionManager;
  private readonly clock: Clock;
  private readonly log: Log;
  private readonly passwords: PasswordHasher;
  private readonly siteRepo: SiteRepo;
  private readonly operators: OperatorRepo;
  private readonly setupTokens: SetupTokenRepo;
  private readonly audit: AuditRepo;
  private readonly loginBackoff = new FailureBackoff();
  private readonly setupBackoff = new FailureBackoff();
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly opts: ServiceOptions) {
    const db = opts.site.db;
    this.clock = opts.clock ?? systemClock;
    this.log = opts.log;
    this.passwords = opts.passwords ?? new PasswordHasher();
    this.siteRepo = new SiteRepo(db);
    this.operators = new OperatorRepo(db);
    this.setupTokens = new SetupTokenRepo(db);
    this.audit = new AuditRepo(db);
    this.sessions = new SessionManager(
      new SessionRepo(db),
      this.operators,
      this.clock,
      opts.sessionPolicy ?? DEFAULT_SESSION_POLICY,
    );
    this.dispatcher = new Dispatcher(this.handlers(), this.log);
    this.sessions.sweep();
    this.sweeper = setInterval(() => this.sessions.sweep(), 3_600_000).unref();
  }

  /** Whether the first administrator has been created. */
  get administratorExists(): boolean {
    return this.operators.countWithRole('administrator') > 0;
  }

  /**
   * While no administrator exists, mints a new one-time setup token (replacing any earlier one) and
   * returns it for the host to show; afterwards returns undefined.
   */
  issueSetupToken(): string | undefined {
    if (this.administratorExists) {
      this.setupTokens.clear();
      return undefined;
    }
    const token = humanToken();
    const now = this.clock();
    this.setupTokens.set(setupTokenHash(token), now, new Date(now.getTime() + SETUP_TOKEN_TTL_MS));
    this.log.info('service: setup token issued (shown by the host, never logged)');
    return token;
  }

  /** The caller behind a session token (transports call this for cookies and bearer tokens). */
  authenticate(token: string, opts: { touch?: boolean } = {}): Caller | undefined {
    return this.sessions.resolve(token, opts);
  }

  /** Stops timers; the host closes the site. */
  close(): void {
    clearInterval(this.sweeper);
  }

  private record(
    ctx: CallContext,
    e: Omit<AuditEntry, 'at' | 'source' | 'operatorId' | 'actor'> & Partial<AuditEntry>,
  ): void {
    this.audit.append({
      at: this.clock().toISOString(),
      operatorId: ctx.caller?.operatorId ?? null,
      actor: ctx.caller?.username ?? 'anonymous',
      source: ctx.source,
      ...e,
    });
  }

  private handlers(): Handlers {
    return {
      'rpc.discover': () => buildOpenRpc(this.opts.version) as unknown as { openrpc: string },

      'setup.status': () => ({
        siteName: this.siteRepo.get().name,
        administratorExists: this.administratorExists,
      }),

      'setup.createAdmin': async (p, ctx) => {
        if (this.administratorExists)
          throw new RpcError('SETUP_ALREADY_DONE', 'An administrator already exists: log in instead');
        const wait = this.setupBackoff.retryAfterSeconds(ctx.address);
        if (wait > 0)
          throw new RpcError('RATE_LIMITED', `Too many wrong setup tokens: try again in ${wait} s`, {
            retryAfterSeconds: wait,
          });
        const live = this.setupTokens.live(this.clock());
        if (!live || !secretsEqual(setupTokenHash(p.token), live)) {
          this.setupBackoff.fail(ctx.address);
          this.record(ctx, {
            action: 'setup.createAdmin.failed',
            detail: { reason: live ? 'wrong token' : 'no live token' },
          });
          throw new RpcError(
            'SETUP_TOKEN_INVALID',
            'The setup token is wrong or expired: use the one printed at the last start',
          );
        }
        const weak = passwordProblem(p.password, p.username);
        if (weak) throw new RpcError('WEAK_PASSWORD', `The password ${weak}`, { reason: weak });
        const hash = await this.passwords.hash(p.password);
        const db = this.opts.site.db;
        const op = db.transaction(() => {
          // Checked again inside the transaction: two setups racing on one token cannot both win.
          if (this.administratorExists)
            throw new RpcError('SETUP_ALREADY_DONE', 'An administrator already exists: log in instead');
          const now = this.clock();
          const id = this.operators.create(
            {
              username: p.username,
              displayName: p.displayName ?? p.username,
              passwordHash: hash,
              role: 'administrator',
            },
            now,
          );
          this.setupTokens.clear();
          if (p.siteName || p.timeZone) {
            const site = this.siteRepo.get();
            this.siteRepo.update({ name: p.siteName, timeZone: p.timeZone }, site.version, now);
          }
          const created = this.operators.byId(id)!;
          this.audit.append({
            at: now.toISOString(),
            operatorId: id,
            actor: created.username,
            action: 'setup.createAdmin',
            target: `operator:${id}`,
            detail: { siteName: p.siteName ?? null, timeZone: p.timeZone ?? null },
            source: ctx.source,
          });
          return created;
        })();
        this.setupBackoff.succeed(ctx.address);
        this.log.info({ operatorId: op.id }, 'service: first administrator created');
        if (p.siteName || p.timeZone) this.events.publish('site.updated', this.siteRepo.get());
        return { operator: summary(op) };
      },

      'session.login': async (p, ctx) => {
        const keys = [`addr:${ctx.address}`, `user:${p.username.toLowerCase()}`];
        const wait = Math.max(...keys.map((k) => this.loginBackoff.retryAfterSeconds(k)));
        if (wait > 0)
          throw new RpcError('RATE_LIMITED', `Too many failed logins: try again in ${wait} s`, {
            retryAfterSeconds: wait,
          });
        const op = this.operators.byUsername(p.username);
        const usable = op && !op.disabled_at ? (op.password_hash ?? undefined) : undefined;
        const ok = await this.passwords.verify(usable, p.password);
        if (!op || !ok) {
          for (const k of keys) this.loginBackoff.fail(k);
          this.record(ctx, { action: 'session.login.failed', target: `username:${p.username}` });
          throw new RpcError('INVALID_CREDENTIALS', 'Unknown username or wrong password');
        }
        for (const k of keys) this.loginBackoff.succeed(k);
        if (usable && this.passwords.needsRehash(usable)) {
          this.operators.setPasswordHash(op.id, await this.passwords.hash(p.password), this.clock());
        }
        const { token, expiresAt } = this.sessions.start(op.id, ctx.source);
        ctx.sessionSink?.started(token, expiresAt);
        this.audit.append({
          at: this.clock().toISOString(),
          operatorId: op.id,
          actor: op.username,
          action: 'session.login',
          source: ctx.source,
        });
        return {
          operator: summary(op),
          expiresAt: expiresAt.toISOString(),
          ...(ctx.revealToken ? { token } : {}),
        };
      },

      'session.logout': (_p, ctx) => {
        const caller = ctx.caller!;
        this.sessions.end(caller.sessionHash);
        ctx.sessionSink?.ended();
        this.record(ctx, { action: 'session.logout' });
        return { loggedOut: true as const };
      },

      'session.current': (_p, ctx) => {
        const caller = ctx.caller!;
        return {
          operator: summary(this.operators.byId(caller.operatorId)!),
          expiresAt: caller.expiresAt.toISOString(),
        };
      },

      'site.get': () => this.siteRepo.get(),

      'site.update': (p, ctx) => {
        const db = this.opts.site.db;
        const stale = (current: number) =>
          new RpcError('CONFLICT', `The site changed since version ${p.version}: reload it and try again`, {
            currentVersion: current,
          });
        const result = db.transaction(() => {
          const before = this.siteRepo.get();
          const changes: Record<string, { from: string; to: string }> = {};
          if (p.name !== undefined && p.name !== before.name)
            changes.name = { from: before.name, to: p.name };
          if (p.timeZone !== undefined && p.timeZone !== before.timeZone) {
            changes.timeZone = { from: before.timeZone, to: p.timeZone };
          }
          if (Object.keys(changes).length === 0) {
            if (before.version !== p.version) throw stale(before.version);
            return { site: before, changed: false };
          }
          const after = this.siteRepo.update({ name: p.name, timeZone: p.timeZone }, p.version, this.clock());
          if (!after) throw stale(before.version);
          this.record(ctx, {
            action: 'site.update',
            target: 'site',
            detail: { version: after.version, changes },
          });
          return { site: after, changed: true };
        })();
        if (result.changed) this.events.publish('site.updated', result.site);
        return result.site;
      },
    };
  }
}
