import { LockWatch } from './lock-watch.js';
import { createHash } from 'node:crypto';
import { normaliseHumanToken, humanToken, secretsEqual } from '../crypto/index.js';
import type { Log } from '../log.js';
import type { CallContext, Caller } from '../rpc/context.js';
import { DEFAULT_LIMITS } from '../rpc/envelope.js';
import { Dispatcher, type CallRecord, type Handlers } from '../rpc/dispatcher.js';
import { buildOpenRpc } from '../rpc/openrpc.js';
import { RpcError } from '../rpc/rpc-error.js';
import { systemClock, type Clock, type OpenSite } from '../site/site.js';
import { AuditRepo, type AuditEntry } from '../store/audit-repo.js';
import { DirectoryRepo } from '../store/directory-repo.js';
import { OperatorRepo } from '../store/operator-repo.js';
import { RoleRepo } from '../store/role-repo.js';
import { SessionRepo } from '../store/session-repo.js';
import { SetupTokenRepo } from '../store/setup-token-repo.js';
import { SiteRepo } from '../store/site-repo.js';
import { custodyHandlers } from './custody-handlers.js';
import { encoderHandlers, pairingSecret } from './encoder-handlers.js';
import { NcoderLink } from '../ncoder/ncoder-link.js';
import type { HidDevices } from '../ports/hid.js';
import type { SerialPorts } from '../ports/serial.js';
import { deviceHandlers } from './device-handlers.js';
import { DeviceHub } from './device-hub.js';
import { directoryHandlers } from './directory-handlers.js';
import { EventBus } from './event-bus.js';
import { EventLog } from './event-log.js';
import type { ServiceKit } from './handler-kit.js';
import { LoginGuard } from './login-guard.js';
import { operatorHandlers } from './operator-handlers.js';
import { operatorSummary } from './operator-view.js';
import { scheduleHandlers } from './schedule-handlers.js';
import { doorHandlers } from './door-handlers.js';
import { lockHandlers } from './lock-handlers.js';
import { rfHandlers } from './rf-handlers.js';
import { mobileHandlers, ncoderSealer, wrapForNewLocks } from './mobile-handlers.js';
import { MobileRelay } from './mobile-relay-sync.js';
import { ppdHandlers } from './ppd-handlers.js';
import { userHandlers } from './user-handlers.js';
import { eventHandlers } from './event-handlers.js';
import { syncHandlers } from './sync-handlers.js';
import { operationHandlers } from './operation-handlers.js';
import { Operations } from './operations.js';
import { PasswordHasher, passwordProblem } from './passwords.js';
import { FailureBackoff } from './rate-limiter.js';
import { sessionHandlers, unlessBusy } from './session-handlers.js';
import { siteExportHandlers } from './site-export-handlers.js';
import { DEFAULT_SESSION_POLICY, SessionManager, type SessionPolicy } from './sessions.js';

/** The built-in administrator role. */
const ADMINISTRATOR_ROLE_ID = 1;

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
  /**
   * Where `site.exportBundle` writes its files: a folder the host chooses for the operator to find
   * them (`lintel serve`: `<data folder>/exports`; the desktop app: `Documents/Lintel exports`).
   * Without one the method answers UNAVAILABLE.
   */
  exportDir?: string;
  /**
   * Where to look for the NCoder encoder: the real USB HID devices (native/hid-device.ts), or the
   * simulator's socket (`lintel sim ncoder`). Without it the encoder methods answer ENCODER_UNAVAILABLE.
   */
  hid?: HidDevices;
  /**
   * Where the device link (secure UDP, app/link) listens for gateways and control units: `lintel serve`
   * binds 0.0.0.0:4750 unless told otherwise; tests bind 127.0.0.1 on port 0. Without it the device
   * methods still register devices and issue pairing codes, but no device can reach the Service.
   */
  link?: { port: number; host?: string };
  /**
   * The machine's serial ports, where the technician's PPD is plugged in (native/serial-port.ts; a pty
   * pair under tests). Without it the PPD methods answer UNAVAILABLE and ppd.ports lists none.
   */
  serial?: SerialPorts;
}

function setupTokenHash(token: string): Buffer {
  return createHash('sha256').update(normaliseHumanToken(token), 'utf8').digest();
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
  private readonly kit: ServiceKit;
  /** Long calls running now (progress and cancel). */
  readonly operations: Operations;
  private readonly loginGuard: LoginGuard;
  private readonly setupBackoff = new FailureBackoff();
  private readonly sweeper: NodeJS.Timeout;
  private readonly lockWatch: LockWatch;
  /** The NCoder on this machine, when the host gave HID access. */
  readonly encoder: NcoderLink | undefined;
  /** Gateways and control units: the device link, enrolment, sync, events and door commands. */
  readonly devices: DeviceHub;
  /** The relay that carries mobile keys to phones, and its poller (enrolments, deliveries). */
  readonly mobileRelay: MobileRelay;
  /**
   * Settles once the device link is listening (or failed to bind: logged, and `devices.listening`
   * stays false); at once without a `link` option.
   */
  readonly linkReady: Promise<void>;

  constructor(private readonly opts: ServiceOptions) {
    const db = opts.site.db;
    this.clock = opts.clock ?? systemClock;
    this.log = opts.log;
    this.passwords = opts.passwords ?? new PasswordHasher();
    this.siteRepo = new SiteRepo(db);
    this.operators = new OperatorRepo(db);
    this.setupTokens = new SetupTokenRepo(db);
    this.audit = new AuditRepo(db);
    const roles = new RoleRepo(db);
    this.sessions = new SessionManager(
      new SessionRepo(db),
      this.operators,
      roles,
      this.clock,
      opts.sessionPolicy ?? DEFAULT_SESSION_POLICY,
    );
    this.loginGuard = new LoginGuard(() => this.clock().getTime());
    this.operations = new Operations(this.events);
    this.kit = {
      site: opts.site,
      log: this.log,
      clock: this.clock,
      events: this.events,
      operations: this.operations,
      passwords: this.passwords,
      sessions: this.sessions,
      operators: this.operators,
      roles,
      directory: new DirectoryRepo(db),
      audit: this.audit,
      record: (ctx, e) => this.record(ctx, e),
    };
    this.encoder = opts.hid && this.encoderLink(opts.hid);
    this.mobileRelay = new MobileRelay({
      site: opts.site,
      clock: this.clock,
      events: this.events,
      log: this.log,
      housekeeping: () => wrapForNewLocks(opts.site.db, this.clock, this.encoder),
    });
    this.mobileRelay.start();
    this.devices = new DeviceHub({
      site: opts.site,
      log: this.log,
      clock: this.clock,
      events: this.events,
      eventLog: new EventLog(db, this.events),
    });
    this.linkReady = opts.link
      ? this.devices.listen(opts.link).catch((err: unknown) => {
          this.log.error(
            { err: err instanceof Error ? err.message : String(err), port: opts.link!.port },
            'service: the device link could not listen: devices cannot reach this Service',
          );
        })
      : Promise.resolve();
    this.dispatcher = new Dispatcher(this.handlers(), this.log, DEFAULT_LIMITS, (r) => this.recordCall(r));
    this.sessions.sweep();
    this.sweeper = setInterval(() => this.sessions.sweep(), 3_600_000).unref();
    this.lockWatch = new LockWatch({ site: opts.site, clock: this.clock, events: this.events });
  }

  /** Whether the first administrator has been created. */
  get administratorExists(): boolean {
    return this.operators.countEnabledWithRole(ADMINISTRATOR_ROLE_ID) > 0;
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

  /** Stops timers, the device link, and lets go of the encoder; the host closes the site. */
  close(): void {
    clearInterval(this.sweeper);
    this.lockWatch.stop();
    void this.mobileRelay.stop();
    void this.encoder?.stop();
    void this.devices.close();
  }

  /** {@link close}, resolving once the device link's socket is closed. */
  async shutdown(): Promise<void> {
    this.close();
    await this.mobileRelay.stop();
    await this.linkReady;
    await this.devices.close();
  }

  /** Looks for the NCoder, authenticating it with the pairing key stored for its serial; tells sessions of changes. */
  private encoderLink(hid: HidDevices): NcoderLink {
    const link = new NcoderLink({
      devices: hid,
      pairingKey: (serial) => this.opts.site.secrets.get(pairingSecret(serial))?.value,
      log: this.log,
    });
    link.onChange((status) => this.events.publish('encoder.changed', { ...status, card: null }));
    link.start();
    return link;
  }

  /** Writes the audit entry of a call (see {@link ServiceKit.record}). */
  private record(ctx: CallContext, e: Partial<AuditEntry> & { action: string }): void {
    this.audit.append({
      at: this.clock().toISOString(),
      operatorId: ctx.caller?.operatorId ?? null,
      actor: ctx.caller?.username ?? 'anonymous',
      source: ctx.source,
      target: ctx.audit?.target,
      detail: ctx.audit?.detail,
      ...e,
    });
    if (ctx.audit) ctx.audit.recorded = true;
  }

  /** The dispatcher's record of a call the handler did not record itself (failures, refusals). */
  private recordCall({ method, ctx, outcome, error }: CallRecord): void {
    const detail: Record<string, unknown> = { ...ctx.audit?.detail };
    if (error && outcome !== 'INTERNAL_ERROR') detail.error = error.message;
    if (error?.data.ref) detail.ref = error.data.ref;
    this.record(ctx, { action: method, outcome, detail });
  }

  private handlers(): Handlers {
    return {
      'rpc.discover': () => buildOpenRpc(this.opts.version) as unknown as { openrpc: string },

      'setup.status': (_p, ctx) => ({
        siteName: this.siteRepo.get().name,
        administratorExists: this.administratorExists,
        tokenRequired: !ctx.localOperator,
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
        // From the desktop's own window the person at the machine needs no token (CallContext).
        if (!ctx.localOperator && (!p.token || !live || !secretsEqual(setupTokenHash(p.token), live))) {
          this.setupBackoff.fail(ctx.address);
          this.record(ctx, {
            action: 'setup.createAdmin',
            outcome: 'SETUP_TOKEN_INVALID',
            detail: { reason: !p.token ? 'no token' : live ? 'wrong token' : 'no live token' },
          });
          throw new RpcError(
            'SETUP_TOKEN_INVALID',
            'The setup token is wrong or expired: use the one printed at the last start',
          );
        }
        const weak = passwordProblem(p.password, p.username);
        if (weak) throw new RpcError('WEAK_PASSWORD', `The password ${weak}`, { reason: weak });
        const hash = await unlessBusy(this.passwords.hash(p.password));
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
              source: 'local',
              passwordHash: hash,
              roleIds: [ADMINISTRATOR_ROLE_ID],
            },
            now,
          );
          this.setupTokens.clear();
          if (p.siteName || p.timeZone) {
            const site = this.siteRepo.get();
            this.siteRepo.update({ name: p.siteName, timeZone: p.timeZone }, site.version, now);
          }
          const created = this.operators.byId(id)!;
          this.record(ctx, {
            operatorId: id,
            actor: created.username,
            action: 'setup.createAdmin',
            target: `operator:${id}`,
            detail: { siteName: p.siteName ?? null, timeZone: p.timeZone ?? null },
          });
          return created;
        })();
        this.setupBackoff.succeed(ctx.address);
        this.log.info({ operatorId: op.id }, 'service: first administrator created');
        if (p.siteName || p.timeZone) this.events.publish('site.updated', this.siteRepo.get());
        return { operator: operatorSummary(this.sessions, op) };
      },

      ...sessionHandlers(this.kit, this.loginGuard),
      ...operatorHandlers(this.kit, this.loginGuard),
      ...directoryHandlers(this.kit),
      ...scheduleHandlers(this.kit),
      ...doorHandlers(this.kit),
      ...userHandlers(this.kit),
      ...eventHandlers(this.kit),
      ...syncHandlers(this.kit),
      ...operationHandlers(this.kit),
      ...custodyHandlers(),
      ...encoderHandlers(this.kit, this.encoder),
      ...deviceHandlers(this.kit, this.devices),
      ...lockHandlers(this.kit),
      ...rfHandlers(this.kit, this.devices),
      ...mobileHandlers(this.kit, { relay: this.mobileRelay, sealer: () => ncoderSealer(this.encoder) }),
      ...ppdHandlers(this.kit, {
        serial: this.opts.serial,
        eventLog: new EventLog(this.opts.site.db, this.events),
      }),
      ...siteExportHandlers(this.kit, { dir: this.opts.exportDir, lintelVersion: this.opts.version }),

      'audit.list': (p) => {
        const entries = this.audit.list(p);
        const last = entries.at(-1);
        return {
          entries,
          ...(entries.length === p.limit && last && last.seq > 1 ? { nextBefore: last.seq } : {}),
        };
      },

      'audit.verify': () => this.audit.verify(),

      'site.get': () => this.siteRepo.get(),

      'site.update': (p, ctx) => {
        const db = this.opts.site.db;
        const stale = (current: number) =>
          new RpcError('CONFLICT', `The site changed since version ${p.version}: reload it and try again`, {
            reason: 'stale',
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
