import type { Log } from '../log.js';
import { visitLock, type LockIdentity } from '../lock/lock-visit.js';
import type { SerialPorts, SerialTransport } from '../ports/serial.js';
import { pacedTransport } from '../serial-link/paced.js';
import { SerialRequester } from '../serial-link/transaction.js';
import { PpdDevice } from './ppd-device.js';
import { PpdMemory } from './ppd-memory.js';
import type { LockTask, VisitResult } from './round.js';

/**
 * The PPD simulator: the device end (ppd-device.ts) on its console port, its memory in a state file,
 * and the technician's side: visiting a lock over the lock's serial line with the task the round holds
 * for it (app/lock/lock-visit.ts). `lintel sim ppd` (cli.ts) drives it from stdin; tests drive it
 * directly. A pty has no baud rate, so unless `baud` is 0 every write is paced as a UART's would be.
 */

export interface PpdSimulatorOptions {
  stateFile: string;
  /** The console port (one end of a pty pair, or a USB serial adapter). */
  consolePort: string;
  ports: SerialPorts;
  /** Line speed of both links; 0: unpaced (the ports still open at 115,200). */
  baud: number;
  /** Serial number of a new PPD (a state file keeps the one it was created with). */
  serial?: string;
  log?: Log;
  now?: () => number;
  /** Told when the console changed the PPD's memory. */
  onChange?: (what: string) => void;
}

const LINE_BAUD = 115_200;

/** What the technician is told about a task. */
export function describeTask(task: LockTask, visited: boolean): string {
  const what = [`key v${task.authKeyVersion}`];
  if (task.update) what.push(task.update.newLockKey ? 'initialise/rekey' : 'update');
  else what.push('collect');
  if (task.emergency) what.push('EMERGENCY OPENING');
  return `[${visited ? 'x' : ' '}] door ${task.doorId} ${task.doorName || '(unnamed)'} (${what.join(', ')})`;
}

/** One line about a visit's outcome. */
export function describeResult(r: VisitResult): string {
  const parts = [`door ${r.doorId}: ${r.outcome}`];
  if (r.lock) parts.push(`lock ${r.lock.serial}, battery ${r.lock.battery}%`);
  if (r.clockDriftSeconds !== null)
    parts.push(`clock was ${r.clockDriftSeconds >= 0 ? '+' : ''}${r.clockDriftSeconds} s off`);
  parts.push(`${r.audit.length} audit records`);
  return `${parts.join(', ')}${r.error ? `: ${r.error}` : ''}`;
}

export class PpdSimulator {
  readonly memory: PpdMemory;
  readonly device: PpdDevice;
  private visiting = false;

  constructor(private readonly opts: PpdSimulatorOptions) {
    this.memory = PpdMemory.open(opts.stateFile, opts.serial ? { serial: opts.serial } : {});
    this.device = new PpdDevice({
      memory: this.memory,
      ...(opts.log ? { log: opts.log } : {}),
      ...(opts.onChange ? { onChange: opts.onChange } : {}),
    });
  }

  /** Opens the console port (the cable plugged in). */
  async plug(): Promise<void> {
    if (this.device.plugged) throw new Error('the console cable is already plugged in');
    let transport: SerialTransport;
    try {
      transport = await this.open(this.opts.consolePort);
    } catch (err) {
      throw new Error(
        `cannot open the console port ${this.opts.consolePort}: ${err instanceof Error ? err.message : String(err)}`,
        { cause: err },
      );
    }
    this.device.plug(transport);
  }

  /** Closes the console port (the cable pulled). */
  async unplug(): Promise<void> {
    if (!this.device.plugged) throw new Error('the console cable is not plugged in');
    await this.device.unplug();
  }

  /** The round's tasks, visited or not. */
  tasks(): { task: LockTask; visited: boolean }[] {
    const r = this.memory.round;
    return r ? r.round.tasks.map((task) => ({ task, visited: r.visited.has(task.doorId) })) : [];
  }

  /**
   * The task for the lock that answered: the one for its door; for a factory lock (no door yet) the
   * first task not visited yet that carries the factory key, unless `doorId` names one.
   */
  chooseTask(lock: LockIdentity, doorId?: number): LockTask | undefined {
    const r = this.memory.round;
    if (!r) return undefined;
    const tasks = r.round.tasks;
    if (doorId !== undefined) return tasks.find((t) => t.doorId === doorId);
    if (lock.doorId !== null) return tasks.find((t) => t.doorId === lock.doorId);
    return tasks.find((t) => t.authKeyVersion === 0 && !r.visited.has(t.doorId));
  }

  /**
   * Visits the lock on serial path `lockPort`: its result is stored before this resolves (a visit that
   * failed after its task was chosen is a result too). Throws LockVisitError NO_TASK when the round
   * holds nothing for that lock.
   */
  async visit(
    lockPort: string,
    opts: { doorId?: number; onProgress?: (done: number, total: number) => void; signal?: AbortSignal } = {},
  ): Promise<VisitResult> {
    const r = this.memory.round;
    if (!r) throw new Error('no round loaded: plug the PPD into the console and load a round');
    if (this.visiting) throw new Error('a visit is under way');
    this.visiting = true;
    let transport: SerialTransport;
    try {
      transport = await this.open(lockPort);
    } catch (err) {
      this.visiting = false;
      throw new Error(
        `cannot open the lock's line ${lockPort}: ${err instanceof Error ? err.message : String(err)}`,
        { cause: err },
      );
    }
    const requester = new SerialRequester(transport, { baudRate: this.opts.baud || LINE_BAUD });
    try {
      const result = await visitLock(requester, (lock) => this.chooseTask(lock, opts.doorId), {
        now: this.opts.now ?? Date.now,
        roundId: r.round.roundId,
        ...(opts.signal ? { signal: opts.signal } : {}),
        ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
      });
      this.device.recordVisit(result);
      return result;
    } finally {
      this.visiting = false;
      requester.close();
      await transport.close();
    }
  }

  /** Settings → Reset: unpaired, round and results forgotten. */
  factoryReset(): number {
    const lost = this.memory.results.length;
    this.device.factoryReset();
    return lost;
  }

  /** Several lines about the PPD. */
  status(): string {
    const m = this.memory;
    const p = m.pairing;
    const r = m.round;
    const l = m.loading;
    const lines = [
      `PPD ${m.serial} (${m.firmware}), battery ${m.battery}%`,
      `paired: ${p ? `yes${p.siteId ? ` (site ${p.siteId})` : ''}` : 'no'}`,
      `console cable: ${this.device.plugged ? `plugged in${this.device.inSession ? ', session open' : ''}` : 'unplugged'}`,
      `round: ${r ? `${r.round.roundId}, ${r.visited.size}/${r.round.tasks.length} tasks visited` : 'none'}`,
    ];
    if (l) lines.push(`loading: ${l.roundId}, ${l.loadedBytes}/${l.totalBytes} bytes`);
    lines.push(`results not yet synced: ${m.results.length}`);
    return lines.join('\n');
  }

  /** Stops serving the console. */
  async close(): Promise<void> {
    await this.device.unplug();
  }

  private async open(port: string): Promise<SerialTransport> {
    const raw = await this.opts.ports.open(port, { baudRate: this.opts.baud || LINE_BAUD });
    return this.opts.baud > 0 ? pacedTransport(raw, this.opts.baud) : raw;
  }
}
