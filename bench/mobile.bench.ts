import dgram from 'node:dgram';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { serveHidSocket, socketHidDevices } from '../app/ncoder/hid-socket.js';
import { NcoderDriver } from '../app/ncoder/ncoder-driver.js';
import { NcoderSimulator } from '../app/ncoder/ncoder-simulator.js';
import { connectBle } from '../app/mobile/ble-link.js';
import { newDeviceKey } from '../app/mobile/device-key.js';
import { serveMobileOpenings } from '../app/mobile/mobile-openings.js';
import { accessOf, cheapHasher, mobileLock, tokenFor } from '../app/mobile/mobile-test-kit.js';
import { openFromPhone } from '../app/mobile/opening.js';
import { sealToken, tokenAccessBytes } from '../app/mobile/token.js';
import { compared, median, type BenchResult } from './bench-result.js';

// Mobile keys (issue 10):
// - tokens sealed per second by the NCoder simulator over its real HID socket transport (an
//   authenticated session request each: HID framing, AES-GCM session, the seal inside the device),
//   against the same sealing in-process (what the encoder's link costs on top of the AEAD);
// - one phone-to-lock opening over the BLE-like link (connect, HELLO/CHALLENGE, OPEN/RESULT: two ECDH,
//   one ECDSA sign and verify, the token opened, the engine's decision, the audit record), against
//   a plain UDP round trip on loopback times the protocol's two round trips plus the connect's one.
const SEALS = 500;
const OPENINGS = 60;
const OPENING_ROUND_TRIPS = 3;

async function sealing(): Promise<BenchResult> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lintel-bench-mobile-'));
  const socket = path.join(dir, 'ncoder.sock');
  const sim = new NcoderSimulator({ serial: 'NC-BENCHMOB1' });
  const server = await serveHidSocket(socket, sim.descriptor, (end) => sim.connect(end));
  const device = newDeviceKey();
  const request = {
    accessData: tokenAccessBytes(accessOf(42)),
    pinHash: null,
    devicePublicKey: device.publicKey,
    notBefore: 1_800_000_000,
    notAfter: 1_800_086_400,
  };
  try {
    const driver = new NcoderDriver(await socketHidDevices(socket).open(socket), { timeoutMs: 3000 });
    await driver.authenticate(await driver.pair());
    await driver.mobileGroup();
    for (let i = 0; i < 50; i++) await driver.sealToken(request);
    let t0 = performance.now();
    for (let i = 0; i < SEALS; i++) await driver.sealToken(request);
    const viaHid = SEALS / ((performance.now() - t0) / 1000);
    await driver.close();

    const key = Buffer.alloc(32, 1);
    for (let i = 0; i < 500; i++) sealToken(key, request);
    t0 = performance.now();
    for (let i = 0; i < SEALS * 4; i++) sealToken(key, request);
    const inProcess = (SEALS * 4) / ((performance.now() - t0) / 1000);
    return compared(
      'mobile.seal-token.ncoder-hid',
      'tokens/s',
      viaHid,
      inProcess,
      undefined,
      `${SEALS} seal-token requests through the NCoder simulator over its HID socket (64-byte reports, session AEAD); baseline: sealToken in-process (AES-256-GCM, random token id and nonce)`,
    );
  } finally {
    await server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function udpRoundTripMs(): Promise<number> {
  const echo = dgram.createSocket('udp4');
  echo.on('message', (b, from) => echo.send(b, from.port, from.address));
  await new Promise<void>((r) => echo.bind(0, '127.0.0.1', () => r()));
  const client = dgram.createSocket('udp4');
  await new Promise<void>((r) => client.bind(0, '127.0.0.1', () => r()));
  const port = echo.address().port;
  const once = () =>
    new Promise<number>((resolve) => {
      const t0 = performance.now();
      client.once('message', () => resolve(performance.now() - t0));
      client.send(Buffer.alloc(185), port, '127.0.0.1');
    });
  for (let i = 0; i < 200; i++) await once();
  const times: number[] = [];
  for (let i = 0; i < 1000; i++) times.push(await once());
  await new Promise<void>((r) => client.close(() => r()));
  await new Promise<void>((r) => echo.close(() => r()));
  return median(times);
}

async function openings(): Promise<BenchResult> {
  const group = Buffer.alloc(32, 0x42);
  const { lock } = mobileLock(group);
  // The audit ring keeps its default capacity; each opening appends one record, as at a real door.
  const served = await serveMobileOpenings({ port: 0, lock, pins: cheapHasher });
  const device = newDeviceKey();
  const token = tokenFor(group, device);
  try {
    const once = async () => {
      const t0 = performance.now();
      for (;;) {
        try {
          const conn = await connectBle('127.0.0.1', served.port, { retryMs: 5 });
          try {
            const r = await openFromPhone(conn, { deviceKey: device, pick: () => token });
            if (!r.granted) throw new Error(`bench: the opening was refused (${r.reason})`);
          } finally {
            conn.close();
          }
          return performance.now() - t0;
        } catch (err) {
          // The lock still holds the last phone's connection for a moment: try again, as a phone does.
          if (!(err instanceof Error) || !/busy/.test(err.message)) throw err;
        }
      }
    };
    for (let i = 0; i < 10; i++) await once();
    const times: number[] = [];
    for (let i = 0; i < OPENINGS; i++) times.push(await once());
    const rtt = await udpRoundTripMs();
    const r = compared(
      'mobile.open.ble-link',
      'µs per opening',
      median(times) * 1000,
      rtt * OPENING_ROUND_TRIPS * 1000,
      undefined,
      `median of ${OPENINGS} phone openings over the BLE-like UDP link on loopback (connect, HELLO/CHALLENGE, OPEN/RESULT; ECDH both ends, ECDSA P-256 sign and verify, token opened, engine decision, audit record); baseline: a plain 185-byte UDP round trip × ${OPENING_ROUND_TRIPS} (the exchange's round trips)`,
    );
    return r;
  } finally {
    await served.close();
  }
}

export async function run(): Promise<BenchResult[]> {
  return [await sealing(), await openings()];
}
