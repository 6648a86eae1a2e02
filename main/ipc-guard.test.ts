import { MAX_IMPORT_REQUEST_BYTES } from '../app/contract/methods/users.js';
import { describe, expect, it } from 'vitest';
import { IPC_CHANNELS, jsonProblem, parseRpcMessage, parseTopic } from './ipc-guard.js';

describe('parseRpcMessage', () => {
  it('accepts { method } and { method, params } with plain JSON params', () => {
    expect(parseRpcMessage({ method: 'setup.status' })).toEqual({
      ok: true,
      message: { method: 'setup.status' },
    });
    expect(
      parseRpcMessage({ method: 'site.update', params: { name: 'HQ', version: 3, tags: ['a', null, true] } }),
    ).toEqual({
      ok: true,
      message: { method: 'site.update', params: { name: 'HQ', version: 3, tags: ['a', null, true] } },
    });
    expect(parseRpcMessage({ method: 'x', params: undefined })).toEqual({
      ok: true,
      message: { method: 'x' },
    });
  });

  it('refuses anything but that shape', () => {
    const refused = [
      undefined,
      null,
      'session.login',
      ['session.login'],
      {},
      { method: '' },
      { method: 42 },
      { method: 'a'.repeat(101) },
      // The envelope is the main process's: the renderer cannot pick ids or versions.
      { method: 'site.get', id: 7 },
      { method: 'site.get', jsonrpc: '2.0' },
      { method: 'site.get', params: {}, caller: { operatorId: 1 } },
    ];
    for (const m of refused) expect(parseRpcMessage(m).ok, JSON.stringify(m) ?? String(m)).toBe(false);
  });

  it('refuses params that structured clone carries but JSON does not', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    for (const params of [
      new Date(),
      new Map([['a', 1]]),
      new Uint8Array(4),
      { when: new Date() },
      { n: Number.NaN },
      { n: Number.POSITIVE_INFINITY },
      { big: 10n },
      cyclic,
      Object.create({ inherited: true }) as object,
    ]) {
      const r = parseRpcMessage({ method: 'x', params });
      expect(r.ok).toBe(false);
    }
  });

  it('refuses deep, huge or wide params', () => {
    let deep: unknown = {};
    for (let i = 0; i < 40; i++) deep = { a: deep };
    expect(parseRpcMessage({ method: 'x', params: deep })).toMatchObject({
      ok: false,
      reason: /nesting deeper/,
    });
    expect(parseRpcMessage({ method: 'x', params: { s: 'x'.repeat(1024 * 1024 + 1) } })).toMatchObject({
      ok: false,
      reason: /characters/,
    });
    // A file upload method takes what its contract allows, and no more.
    const file = 'x'.repeat(3 * 1024 * 1024);
    expect(parseRpcMessage({ method: 'users.importCsv', params: { csv: file } })).toMatchObject({ ok: true });
    expect(parseRpcMessage({ method: 'users.list', params: { search: file } })).toMatchObject({ ok: false });
    expect(
      parseRpcMessage({
        method: 'users.importCsv',
        params: { csv: 'x'.repeat(MAX_IMPORT_REQUEST_BYTES + 1) },
      }),
    ).toMatchObject({ ok: false, reason: /characters/ });
    expect(parseRpcMessage({ method: 'x', params: { a: new Array(100_001).fill(0) } })).toMatchObject({
      ok: false,
      reason: /values/,
    });
  });

  it('accepts the same value twice in one message (shared, not cyclic)', () => {
    const shared = { a: 1 };
    expect(jsonProblem({ x: shared, y: shared, z: [shared, shared] })).toBeUndefined();
  });
});

describe('parseTopic', () => {
  it('knows only the contract topics', () => {
    expect(parseTopic('site.updated')).toBe('site.updated');
    for (const t of ['nope', '', 'toString', '__proto__', 42, null, undefined])
      expect(parseTopic(t)).toBeUndefined();
  });
});

describe('IPC_CHANNELS', () => {
  it('are namespaced', () => {
    for (const name of Object.values(IPC_CHANNELS)) expect(name).toMatch(/^lintel:[a-z]+$/);
  });
});
