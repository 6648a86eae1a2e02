import { createRequire, syncBuiltinESMExports } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs';
import { DesfireCard } from '../app/desfire/card-emulator.js';
import type { Picc } from '../app/desfire/picc.js';
import { MemoryHidBus } from '../app/ncoder/hid-memory.js';
import { serveHidSocket, socketHidDevices } from '../app/ncoder/hid-socket.js';
import { NcoderDriver } from '../app/ncoder/ncoder-driver.js';
import { NcoderSimulator } from '../app/ncoder/ncoder-simulator.js';
import type { HidTransport } from '../app/ports/hid.js';
import { ok, serviceFixture } from '../test/helpers/service-fixture.js';
import { median, type BenchResult } from './bench-result.js';

// The NCoder link and a whole encode in the simulator (issue 7):
// - HID round trips through the simulator's socket bridge, against a bare 64-byte report echo over the
//   same socket in the same run (what our framing, AES-GCM session and device logic cost on top);
// - time per encode through the Service (encoder.encode on a blank card: format, write, verify, read
//   back), against the wire limit of a real NCoder: one 64-byte HID report per 1 ms USB full-speed frame
//   each way, and 106 kbit/s ISO 14443 to the card (8 bits a byte, frame overhead ignored);
// - the share of that encode spent inside node:crypto (AES, HKDF), measured by timing every call.
const ROUND_TRIPS = 2_000;
const ENCODES = 20;
const HID_FRAME_MS = 1;
const ISO14443_BITS_PER_S = 106_000;

/** Sends a report and waits for the next one back. */
function roundTrip(t: HidTransport, report: Uint8Array): Promise<void> {
  return new Promise((resolve) => {
    const off = t.onReport(() => {
      off();
      resolve();
    });
    void t.write(report);
  });
}

async function hidRoundTrips(): Promise<BenchResult> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lintel-bench-hid-'));
  const echoPath = path.join(dir, 'echo.sock');
  const simPath = path.join(dir, 'ncoder.sock');
  const descriptor = { vendorId: 0x1209, productId: 0x0001, release: 1 };
  const echo = await serveHidSocket(echoPath, descriptor, (end) => end.onReport((r) => end.send(r)));
  const sim = new NcoderSimulator({ serial: 'NC-BENCH0001' });
  const server = await serveHidSocket(simPath, sim.descriptor, (end) => sim.connect(end));
  try {
    const plain = await socketHidDevices(echoPath).open(echoPath);
    const report = new Uint8Array(65);
    for (let i = 0; i < 200; i++) await roundTrip(plain, report);
    let t0 = performance.now();
    for (let i = 0; i < ROUND_TRIPS; i++) await roundTrip(plain, report);
    const plainRate = ROUND_TRIPS / ((performance.now() - t0) / 1000);
    await plain.close();

    const driver = new NcoderDriver(await socketHidDevices(simPath).open(simPath), { timeoutMs: 3000 });
    const key = await driver.pair();
    await driver.authenticate(key);
    sim.field.place(new DesfireCard({ size: '2k' }));
    for (let i = 0; i < 200; i++) await driver.poll();
    t0 = performance.now();
    for (let i = 0; i < ROUND_TRIPS; i++) await driver.poll();
    const rate = ROUND_TRIPS / ((performance.now() - t0) / 1000);
    await driver.close();
    return {
      name: 'ncoder.hid.round-trips',
      value: Math.round(rate),
      unit: 'round trips/s',
      baseline: Math.round(plainRate),
      ratio: Math.round((rate / plainRate) * 1000) / 1000,
      target: 0.25,
      note: `${ROUND_TRIPS} authenticated POLL exchanges (framing + AES-128-GCM both ways) through the simulator socket, against a bare 64-byte report echo over the same socket`,
    };
  } finally {
    await echo.close();
    await server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** A card that counts the bytes it exchanges over the air. */
class MeteredCard implements Picc {
  bytes = 0;
  constructor(private readonly inner: DesfireCard) {}
  get activation() {
    return this.inner.activation;
  }
  transceive(apdu: Uint8Array): Uint8Array {
    const answer = this.inner.transceive(apdu);
    this.bytes += apdu.length + answer.length;
    return answer;
  }
  powerOff(): void {
    this.inner.powerOff();
  }
}

/** Times every node:crypto call that does AES or HKDF work, while `on`. */
function cryptoMeter() {
  const require = createRequire(import.meta.url);
  const crypto = require('node:crypto') as Record<string, unknown>;
  const names = ['createCipheriv', 'createDecipheriv', 'hkdfSync', 'randomBytes'] as const;
  const saved = names.map((n) => crypto[n]);
  let spent = 0;
  const timed =
    <A extends unknown[], R>(fn: (...a: A) => R) =>
    (...a: A): R => {
      const t0 = performance.now();
      try {
        return fn(...a);
      } finally {
        spent += performance.now() - t0;
      }
    };
  const wrapObject = (o: Record<string, unknown>) => {
    for (const m of ['update', 'final', 'setAAD', 'getAuthTag', 'setAuthTag'])
      if (typeof o[m] === 'function') o[m] = timed((o[m] as (...a: unknown[]) => unknown).bind(o));
    return o;
  };
  return {
    start() {
      spent = 0;
      for (const [i, n] of names.entries()) {
        const fn = saved[i] as (...a: unknown[]) => unknown;
        crypto[n] = n.startsWith('create')
          ? timed((...a: unknown[]) => wrapObject(fn(...a) as Record<string, unknown>))
          : timed(fn);
      }
      syncBuiltinESMExports();
    },
    stop(): number {
      for (const [i, n] of names.entries()) crypto[n] = saved[i];
      syncBuiltinESMExports();
      return spent;
    },
  };
}

async function encodes(): Promise<BenchResult[]> {
  const bus = new MemoryHidBus();
  const sim = new NcoderSimulator({ serial: 'NC-BENCH0002' });
  let reports = 0;
  sim.tamper = (_direction, report) => {
    reports += 1;
    return [report];
  };
  bus.plug(sim.descriptor, (end) => sim.connect(end));
  const f = await serviceFixture({ hid: bus });
  try {
    const caller = () => f.callerOf(f.admin.token)!;
    const call = (m: string, p: unknown = {}) => f.call(m, p, { caller: caller() });
    await f.service.encoder!.whenState('unpaired', 5_000);
    ok(await call('encoder.pair'));
    await f.service.encoder!.whenState('ready', 5_000);
    const zone = ok<{ id: number }>(await call('zones.create', { name: 'Zone' }));
    const period = ok<{ id: number }>(
      await call('timePeriods.create', { name: 'Always', rules: { mon: [{ start: 0, end: 1440 }] } }),
    );
    const level = ok<{ id: number }>(
      await call('accessLevels.create', {
        name: 'Level',
        rights: [{ zoneId: zone.id, periodId: period.id }],
      }),
    );
    const times: number[] = [];
    const wire: number[] = [];
    const meter = cryptoMeter();
    let crypto = 0;
    for (let i = 0; i < ENCODES + 3; i++) {
      const user = ok<{ id: number }>(
        await call('users.create', { lastName: `User ${i}`, accessLevelIds: [level.id] }),
      );
      const card = new MeteredCard(new DesfireCard({ size: '2k' }));
      sim.field.place(card);
      reports = 0;
      const warm = i >= 3;
      if (warm) meter.start();
      const t0 = performance.now();
      ok(await call('encoder.encode', { userId: user.id }));
      const took = performance.now() - t0;
      if (warm) {
        crypto += meter.stop();
        times.push(took);
        wire.push(reports * HID_FRAME_MS + ((card.bytes * 8) / ISO14443_BITS_PER_S) * 1000);
      }
    }
    const total = times.reduce((a, b) => a + b, 0);
    const encodeMs = median(times);
    const wireMs = median(wire);
    return [
      {
        name: 'ncoder.encode.time',
        value: Math.round(encodeMs * 10) / 10,
        unit: 'ms/encode',
        baseline: Math.round(wireMs * 10) / 10,
        ratio: Math.round((encodeMs / wireMs) * 1000) / 1000,
        limit: Math.round(wireMs * 10) / 10,
        note: `median of ${ENCODES} encoder.encode calls on blank 2K cards through the Service and the simulator; baseline: the wire limit of a real NCoder for the same exchange (HID reports at 1 ms each, ISO 14443 at 106 kbit/s); the software must stay under it`,
      },
      {
        name: 'ncoder.encode.crypto-share',
        value: Math.round((crypto / total) * 1000) / 10,
        unit: '% of encode time',
        note: 'time inside node:crypto (AES-CBC/ECB for CMAC and DESFire secure messaging, AES-GCM for the HID session, HKDF, random) over the whole encode',
      },
    ];
  } finally {
    f.close();
  }
}

export async function run(): Promise<BenchResult[]> {
  return [await hidRoundTrips(), ...(await encodes())];
}
