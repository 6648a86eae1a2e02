import { decodeJson, encodeJson, EnrolRequest, type EnrolReply } from '../devices/protocol.js';
import type { EnrolmentHost, EnrolmentRequest } from '../link/enrolment.js';
import { hostPort, type Endpoint } from '../link/macs.js';
import type { Log } from '../log.js';
import type { Clock, OpenSite } from '../site/site.js';
import { AuditRepo } from '../store/audit-repo.js';
import {
  devicePskSecret,
  pairingCodeSecret,
  type DeviceRecord,
  type DeviceRepo,
} from '../store/device-repo.js';

/**
 * Pairing a device with the Service (the link's enrolment, app/link/enrolment.ts): the one-time
 * pairing codes outstanding, and for a device that proved one, its key pinned, the code ended, the
 * link psk kept and the answer of where it reports (the Service itself, or its gateway).
 */

/** What enrolment uses of the hub. */
export interface DeviceEnrolmentDeps {
  site: OpenSite;
  repo: DeviceRepo;
  clock: Clock;
  log: Log;
  /** Where the link knows a peer (a gateway's host, for its control units). */
  peerState: (publicKey: Buffer) => { address?: Endpoint } | undefined;
  /** A device enrolled: forget what it reported before and serve it (or leave it to its gateway). */
  reattach: (device: DeviceRecord) => void;
  /** Publishes `devices.changed` for a device. */
  publish: (deviceId: number) => void;
}

/** The Service's {@link EnrolmentHost}. */
export class DeviceEnrolment implements EnrolmentHost {
  private readonly db;
  private readonly repo;
  private readonly audit;

  constructor(private readonly d: DeviceEnrolmentDeps) {
    this.db = d.site.db;
    this.repo = d.repo;
    this.audit = new AuditRepo(this.db);
  }

  /** The outstanding pairing codes; an id names the device and the code's expiry (a replaced code is another id). */
  *codes(): Iterable<{ id: string; code: string }> {
    for (const d of this.repo.pairing(this.d.clock())) {
      const secret = this.d.site.secrets.get(pairingCodeSecret(d.id));
      if (!secret) continue;
      const code = secret.value.toString('utf8');
      secret.value.fill(0);
      yield { id: `${d.id}/${d.pairingExpiresAt}`, code };
    }
  }

  /** Enrols the device that proved a code; a refusal is logged here and thrown to the link. */
  accept(e: EnrolmentRequest): Buffer {
    try {
      return this.enrol(e);
    } catch (err) {
      // Refused (the link answers the device so); say why here, never with the code.
      this.d.log.warn(
        { address: hostPort(e.address), err: err instanceof Error ? err.message : String(err) },
        'devices: an enrolment was refused',
      );
      throw err;
    }
  }

  /** A device proved an outstanding code: pin it, end the code, answer where it reports. */
  private enrol(e: EnrolmentRequest): Buffer {
    const request = decodeJson(EnrolRequest, e.payload, 'enrolment payload');
    const slash = e.codeId.indexOf('/');
    const id = Number(e.codeId.slice(0, slash));
    const expires = e.codeId.slice(slash + 1);
    const now = this.d.clock();
    const address = hostPort(e.address);
    const { device, reply } = this.db.transaction(() => {
      const d = this.repo.byId(id);
      if (!d || d.pairingExpiresAt !== expires || expires <= now.toISOString())
        throw new Error('the pairing code is no longer outstanding');
      if (d.kind !== request.kind) throw new Error(`a ${request.kind} enrolled with the code of a ${d.kind}`);
      const other = this.repo.byPublicKey(e.publicKey);
      if (other && other.id !== d.id) throw new Error(`the key is already pinned for device ${other.id}`);
      const reply: EnrolReply = { deviceId: d.id };
      if (d.gatewayId !== null) {
        const gw = this.repo.byId(d.gatewayId)!;
        const host = this.gatewayHost(gw);
        if (!gw.publicKey || !gw.listenPort || !host)
          throw new Error('the gateway of this control unit is not paired (or did not say its port) yet');
        reply.upstream = { host, port: gw.listenPort, publicKey: gw.publicKey.toString('hex') };
      }
      this.repo.pin(
        d.id,
        {
          publicKey: Buffer.from(e.publicKey),
          address,
          listenPort: request.kind === 'gateway' ? (request.listenPort ?? null) : null,
          softwareVersion: request.version,
        },
        now,
      );
      this.repo.deleteSecret(pairingCodeSecret(d.id));
      this.d.site.secrets.replace(devicePskSecret(d.id), 1, e.psk, now);
      this.audit.append({
        at: now.toISOString(),
        operatorId: null,
        actor: `device:${d.name}`,
        action: 'devices.enrol',
        target: `device:${d.id}`,
        outcome: 'ok',
        detail: { kind: d.kind, version: request.version, address, replaced: d.publicKey !== null },
        source: `link ${address}`,
      });
      return { device: this.repo.byId(d.id)!, reply };
    })();
    this.d.reattach(device);
    this.d.log.info({ deviceId: device.id, kind: device.kind, address }, 'devices: enrolled');
    this.d.publish(device.id);
    // The pin is in the change feed: the gateway of a unit behind one hears of it at the next announce.
    return encodeJson(reply);
  }

  /** The gateway's host as the Service sees it (its control units on the same network reach it there). */
  private gatewayHost(gw: DeviceRecord): string | undefined {
    const state = gw.publicKey && this.d.peerState(gw.publicKey);
    if (state && state.address) return state.address.address;
    if (!gw.address) return undefined;
    const m = /^\[?(.*?)\]?:(\d+)$/.exec(gw.address);
    return m?.[1];
  }
}
