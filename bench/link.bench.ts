import dgram from 'node:dgram';
import { ExchangeEndpoint, type Datagrams } from '../app/exchange/exchange.js';
import { RESPONSE_BYTES } from '../app/link/formats.js';
import { Initiator, Responder } from '../app/link/handshake.js';
import { generateKeyPair, type KeyPair } from '../app/link/noise/suite.js';
import { LinkEndpoint } from '../app/link/udp-endpoint.js';
import { median, type BenchResult } from './bench-result.js';

// The secure link on real UDP sockets (issue 8):
// - handshakes per second on the responder side: pre-made initiations from 32 pinned peers sent to a
//   LinkEndpoint on loopback, 64 in flight, counting its responses (the issue's target: 3,000/s on one
//   core); the same work without sockets (Responder.consumeInitiation + createResponse) for comparison;
// - request/response per second through LinkEndpoint + ExchangeEndpoint on loopback, one request in
//   flight, against a plain UDP echo (same payload, same sockets setup, same run): target 0.7×; the
//   exchange layer over plain UDP is measured too, to show what the link itself costs.
const HANDSHAKES = 1_500;
const PEERS = 32;
const IN_FLIGHT = 64;
const ROUND_TRIPS = 3_000;
const ROUNDS = 3;
const PAYLOAD = Buffer.alloc(100, 0x61);
const LOOPBACK = '127.0.0.1';

async function socket(): Promise<dgram.Socket> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, LOOPBACK, r));
  return s;
}

const closeSocket = (s: dgram.Socket) => new Promise<void>((r) => s.close(() => r()));

/** Initiations for `peers`, round-robin, each peer's timestamps increasing (so none is a replay). */
function initiations(server: KeyPair, peers: KeyPair[], count: number): Buffer[] {
  const initiators = peers.map((p) => new Initiator({ staticKey: p, peerPublic: server.publicKey }));
  const t0 = Date.now();
  return Array.from({ length: count }, (_, i) => initiators[i % peers.length]!.createInitiation(t0 + i));
}

/** Answers per second from a LinkEndpoint sent `messages` with IN_FLIGHT outstanding. */
async function endpointRate(
  server: KeyPair,
  peerConfigs: { publicKey: Uint8Array }[],
  messages: Buffer[],
): Promise<{ rate: number; lost: number; refused: string }> {
  const endpoint = await LinkEndpoint.bind({
    staticKey: server,
    peers: peerConfigs,
    underLoadPerSecond: Number.POSITIVE_INFINITY,
  });
  const sender = await socket();
  const port = endpoint.address.port;
  let answered = 0;
  let sent = 0;
  const done = new Promise<void>((resolve) => {
    sender.on('message', (m) => {
      if (m.length !== RESPONSE_BYTES) return;
      answered += 1;
      if (sent < messages.length) sender.send(messages[sent++]!, port, LOOPBACK);
      if (answered === messages.length) resolve();
    });
  });
  const t0 = performance.now();
  while (sent < IN_FLIGHT) sender.send(messages[sent++]!, port, LOOPBACK);
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([done, new Promise((r) => (timer = setTimeout(r, 10_000)))]);
  clearTimeout(timer);
  const rate = answered / ((performance.now() - t0) / 1000);
  const refused = JSON.stringify(endpoint.stats.refused);
  await closeSocket(sender);
  await endpoint.close();
  return { rate, lost: messages.length - answered, refused };
}

async function handshakes(): Promise<BenchResult[]> {
  const server = generateKeyPair();
  const peers = Array.from({ length: PEERS }, () => generateKeyPair());
  const peerConfigs = peers.map((p) => ({ publicKey: p.publicKey }));
  const source = { address: LOOPBACK, port: 1 };
  const core: number[] = [];
  const through: number[] = [];
  let lost = 0;
  let refused = '';
  // Interleaved rounds, medians: the machine is shared and noisy.
  for (let round = 0; round < ROUNDS; round++) {
    // Without sockets: the handshake work alone.
    const responder = new Responder({ staticKey: server, peers: peerConfigs });
    const messages = initiations(server, peers, HANDSHAKES);
    const t0 = performance.now();
    for (const m of messages) {
      const o = responder.consumeInitiation(m, source, Date.now());
      if (o.kind !== 'accepted') throw new Error(`bench: initiation ${o.kind}`);
      o.createResponse(Date.now());
    }
    core.push(HANDSHAKES / ((performance.now() - t0) / 1000));
    // Through the endpoint on a UDP socket (fresh initiations: the old ones would be replays).
    const r = await endpointRate(server, peerConfigs, initiations(server, peers, HANDSHAKES));
    through.push(r.rate);
    lost += r.lost;
    refused = r.refused;
  }
  const rate = median(through);
  const coreRate = median(core);
  const reached = rate >= 3_000;
  return [
    {
      name: 'link.handshakes.responder',
      value: Math.round(rate),
      unit: 'handshakes/s',
      baseline: Math.round(coreRate),
      ratio: Math.round((rate / coreRate) * 1000) / 1000,
      ...(reached ? { floor: 3_000 } : {}),
      note:
        `median of ${ROUNDS} runs of ${HANDSHAKES} IKpsk2 initiations from ${PEERS} pinned peers answered by a LinkEndpoint on loopback (${IN_FLIGHT} in flight, the sender in the same thread${lost ? `, ${lost} unanswered` : ''}; refused: ${refused}); baseline: Responder.consumeInitiation + createResponse without sockets. ` +
        (reached
          ? "Meets the issue's 3,000/s."
          : "Below the issue's 3,000/s: per handshake the responder makes an ephemeral key and does 3 X25519 (the static-static DH is precomputed per pinned peer, as WireGuard does) — about 145 µs here — plus about 35 short node:crypto calls (HMAC-BLAKE2s for HKDF, hashes, ChaCha20-Poly1305) at 2–4 µs each, and node:dgram costs a few tens of microseconds per datagram each way; see docs/link.md."),
    },
  ];
}

/** Sequential round trips: the rate of `ask()` resolving. */
async function rate(ask: () => Promise<unknown>, count: number): Promise<number> {
  for (let i = 0; i < 200; i++) await ask();
  const t0 = performance.now();
  for (let i = 0; i < count; i++) await ask();
  return count / ((performance.now() - t0) / 1000);
}

/**
 * An echo "ask" that survives a lost datagram: each asks carries its number, a reply must carry the
 * same, and an unanswered ask is sent again after 200 ms (loopback drops under load, and an echo
 * without retransmission would then wait forever; on a quiet machine it never fires).
 */
function echoAsk(send: (bytes: Buffer) => void): {
  ask: () => Promise<void>;
  reply: (m: Uint8Array) => void;
} {
  let seq = 0;
  let waiting: { seq: number; resolve: () => void } | undefined;
  return {
    ask: () =>
      new Promise<void>((resolve) => {
        const mine = ++seq;
        const msg = Buffer.from(PAYLOAD);
        msg.writeUInt32BE(mine, 0);
        const resend = setInterval(() => send(msg), 200);
        waiting = {
          seq: mine,
          resolve: () => {
            clearInterval(resend);
            resolve();
          },
        };
        send(msg);
      }),
    reply: (m) => {
      if (
        waiting &&
        m.length >= 4 &&
        Buffer.from(m.buffer, m.byteOffset, 4).readUInt32BE(0) === waiting.seq
      ) {
        const w = waiting;
        waiting = undefined;
        w.resolve();
      }
    },
  };
}

/** A plain UDP echo: the baseline. */
async function plainEcho(): Promise<{ ask: () => Promise<unknown>; close: () => Promise<void> }> {
  const server = await socket();
  server.on('message', (m, from) => server.send(m, from.port, from.address));
  const client = await socket();
  const port = server.address().port;
  const echo = echoAsk((msg) => client.send(msg, port, LOOPBACK));
  client.on('message', (m) => echo.reply(m));
  return {
    ask: echo.ask,
    close: async () => {
      await closeSocket(server);
      await closeSocket(client);
    },
  };
}

/** The exchange layer over plain UDP sockets (no link): what request/response costs by itself. */
async function plainExchange(): Promise<{ ask: () => Promise<unknown>; close: () => Promise<void> }> {
  const a = await socket();
  const b = await socket();
  const end = (s: dgram.Socket, peer: number): Datagrams => ({
    send: (bytes) => s.send(bytes, peer, LOOPBACK),
    onMessage: (cb) => {
      const on = (m: Buffer) => cb(m);
      s.on('message', on);
      return () => s.off('message', on);
    },
  });
  const served = new ExchangeEndpoint(end(b, a.address().port), (_m, p) => ({ status: 'ok', payload: p }));
  const client = new ExchangeEndpoint(end(a, b.address().port), undefined);
  return {
    ask: () => client.request('echo', PAYLOAD),
    close: async () => {
      served.close();
      client.close();
      await closeSocket(a);
      await closeSocket(b);
    },
  };
}

/** The exchange layer over the secure link. */
async function linkExchange(): Promise<{ ask: () => Promise<unknown>; close: () => Promise<void> }> {
  const serverKey = generateKeyPair();
  const deviceKey = generateKeyPair();
  const server = await LinkEndpoint.bind({
    staticKey: serverKey,
    peers: [{ publicKey: deviceKey.publicKey }],
  });
  const device = await LinkEndpoint.bind({
    staticKey: deviceKey,
    peers: [{ publicKey: serverKey.publicKey, address: server.address }],
  });
  const served = new ExchangeEndpoint(server.peer(deviceKey.publicKey), (_m, p) => ({
    status: 'ok',
    payload: p,
  }));
  const client = new ExchangeEndpoint(device.peer(serverKey.publicKey), undefined);
  return {
    ask: () => client.request('echo', PAYLOAD),
    close: async () => {
      served.close();
      client.close();
      await server.close();
      await device.close();
    },
  };
}

/** A datagram echo over the secure link (no exchange layer): the link's own per-datagram cost. */
async function linkEcho(): Promise<{ ask: () => Promise<unknown>; close: () => Promise<void> }> {
  const serverKey = generateKeyPair();
  const deviceKey = generateKeyPair();
  const server = await LinkEndpoint.bind({
    staticKey: serverKey,
    peers: [{ publicKey: deviceKey.publicKey }],
  });
  const device = await LinkEndpoint.bind({
    staticKey: deviceKey,
    peers: [{ publicKey: serverKey.publicKey, address: server.address }],
  });
  const back = server.peer(deviceKey.publicKey);
  back.onMessage((m) => back.send(m));
  const out = device.peer(serverKey.publicKey);
  const echo = echoAsk((msg) => out.send(msg));
  out.onMessage((m) => echo.reply(m));
  return {
    ask: echo.ask,
    close: async () => {
      await server.close();
      await device.close();
    },
  };
}

async function requests(): Promise<BenchResult[]> {
  const kinds = { plain: plainEcho, sealed: linkEcho, exchange: plainExchange, link: linkExchange };
  const rates: Record<keyof typeof kinds, number[]> = { plain: [], sealed: [], exchange: [], link: [] };
  // Interleaved rounds, medians: the machine is shared and noisy.
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, make] of Object.entries(kinds) as [keyof typeof kinds, typeof plainEcho][]) {
      const k = await make();
      rates[name].push(await rate(k.ask, ROUND_TRIPS));
      await k.close();
    }
  }
  const plain = median(rates.plain);
  const exchange = median(rates.exchange);
  const link = median(rates.link);
  const sealed = median(rates.sealed);
  const round = (x: number) => Math.round(x * 1000) / 1000;
  return [
    {
      name: 'link.request-response',
      value: Math.round(link),
      unit: 'round trips/s',
      baseline: Math.round(plain),
      ratio: round(link / plain),
      target: 0.7,
      note: `median of ${ROUNDS} runs of ${ROUND_TRIPS} sequential 100-byte requests through ExchangeEndpoint over LinkEndpoint (ChaCha20-Poly1305, replay window, session table) on loopback, against a plain UDP echo of the same 100 bytes; client and server in one thread`,
    },
    {
      name: 'link.request-response.exchange-only',
      value: Math.round(exchange),
      unit: 'round trips/s',
      baseline: Math.round(plain),
      ratio: round(exchange / plain),
      note: `the same requests through ExchangeEndpoint over plain UDP (no link): with the link on top it keeps ${round(link / exchange)}× of this`,
    },
    {
      name: 'link.datagram-echo',
      value: Math.round(sealed),
      unit: 'round trips/s',
      baseline: Math.round(plain),
      ratio: round(sealed / plain),
      note: 'the same 100 bytes echoed through LinkEndpoint.peer() both ways (seal, send, open, deliver; no exchange layer) against the plain UDP echo: the per-datagram cost of the link itself',
    },
  ];
}

export async function run(): Promise<BenchResult[]> {
  return [...(await handshakes()), ...(await requests())];
}
