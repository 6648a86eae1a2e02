import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { IPC_CHANNELS } from './ipc-guard.js';

// The preload runs sandboxed, where `require` knows only 'electron'. This test compiles it as the build
// does and runs it the way Electron's sandbox does (a function of require, process, exports, module),
// with stand-ins for the two electron objects it touches, to check what the page is given.

const source = fs.readFileSync(
  path.join(path.dirname(fileURLToPath(import.meta.url)), 'preload.cts'),
  'utf8',
);

interface Invocation {
  channel: string;
  args: unknown[];
}

function loadPreload(answer: (channel: string, ...args: unknown[]) => unknown) {
  const js = ts.transpileModule(source, {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 },
  }).outputText;
  const invocations: Invocation[] = [];
  const onHandlers = new Map<string, (event: unknown, ...args: unknown[]) => void>();
  const exposed: Record<string, unknown> = {};
  const ipcRenderer = {
    invoke: async (channel: string, ...args: unknown[]) => {
      invocations.push({ channel, args });
      return answer(channel, ...args);
    },
    on: (channel: string, fn: (event: unknown, ...args: unknown[]) => void) => onHandlers.set(channel, fn),
  };
  const contextBridge = {
    exposeInMainWorld: (key: string, api: unknown) => {
      exposed[key] = api;
    },
  };
  const required: string[] = [];
  const sandboxRequire = (name: string) => {
    required.push(name);
    if (name === 'electron') return { contextBridge, ipcRenderer };
    throw new Error(`module not found: ${name}`);
  };
  const fn = vm.runInNewContext(`(function (require, process, exports, module) {${js}\n})`, {}) as (
    ...args: unknown[]
  ) => void;
  const exports = {};
  fn(sandboxRequire, {}, exports, { exports });
  return { exposed, invocations, onHandlers, required };
}

describe('preload', () => {
  it('repeats the channel names of ipc-guard.ts', () => {
    expect(source).toContain(`'${IPC_CHANNELS.rpc}'`);
    expect(source).toContain(`'${IPC_CHANNELS.subscribe}'`);
    expect(source).toContain(`'${IPC_CHANNELS.unsubscribe}'`);
    expect(source).toContain(`'${IPC_CHANNELS.event}'`);
  });

  it('requires only electron and exposes exactly window.lintel = { rpc, subscribe }', () => {
    const { exposed, required } = loadPreload(() => undefined);
    expect(required).toEqual(['electron']);
    expect(Object.keys(exposed)).toEqual(['lintel']);
    const api = exposed.lintel as Record<string, unknown>;
    expect(Object.keys(api).sort()).toEqual(['rpc', 'subscribe']);
    expect(Object.values(api).every((v) => typeof v === 'function')).toBe(true);
  });

  it('rpc resolves to the result and rejects with the JSON-RPC error object', async () => {
    const { exposed, invocations } = loadPreload((_channel, message) => {
      const m = message as { method: string };
      if (m.method === 'site.get') return { jsonrpc: '2.0', id: 1, result: { name: 'HQ' } };
      return {
        jsonrpc: '2.0',
        id: 2,
        error: { code: 1001, message: 'log in', data: { name: 'UNAUTHENTICATED' } },
      };
    });
    const { rpc } = exposed.lintel as { rpc(m: string, p?: unknown): Promise<unknown> };
    await expect(rpc('site.get')).resolves.toEqual({ name: 'HQ' });
    await expect(rpc('session.current', { a: 1 })).rejects.toEqual({
      code: 1001,
      message: 'log in',
      data: { name: 'UNAUTHENTICATED' },
    });
    expect(invocations).toEqual([
      { channel: 'lintel:rpc', args: [{ method: 'site.get' }] },
      { channel: 'lintel:rpc', args: [{ method: 'session.current', params: { a: 1 } }] },
    ]);
  });

  it('rpc turns a dropped or failed delivery into an internal error, never Electron text', async () => {
    const { exposed } = loadPreload(() => undefined);
    const { rpc } = exposed.lintel as { rpc(m: string): Promise<unknown> };
    await expect(rpc('site.get')).rejects.toMatchObject({ code: -32603 });
    const failing = loadPreload(() => {
      throw new Error("Error invoking remote method 'lintel:rpc': secret internals");
    });
    const rejected = await (failing.exposed.lintel as { rpc(m: string): Promise<unknown> })
      .rpc('site.get')
      .catch((e: unknown) => e);
    expect(rejected).toMatchObject({ code: -32603 });
    expect(JSON.stringify(rejected)).not.toMatch(/secret internals/);
  });

  it('subscribes once per topic, delivers events, and unsubscribes after the last callback', () => {
    const { exposed, invocations, onHandlers } = loadPreload(() => true);
    const { subscribe } = exposed.lintel as {
      subscribe(t: string, cb: (e: { at: string; payload: unknown }) => void): () => void;
    };
    const a: unknown[] = [];
    const b: unknown[] = [];
    const stopA = subscribe('site.updated', (e) => a.push(e));
    const stopB = subscribe('site.updated', (e) => b.push(e));
    expect(invocations).toEqual([{ channel: 'lintel:subscribe', args: ['site.updated'] }]);

    const deliver = onHandlers.get('lintel:event')!;
    deliver({}, { topic: 'site.updated', at: '2026-11-29T09:00:00.000Z', payload: { name: 'HQ' } });
    deliver({}, { topic: 'other.topic', at: 'x', payload: 1 });
    deliver({}, 'garbage');
    expect(a).toEqual([{ at: '2026-11-29T09:00:00.000Z', payload: { name: 'HQ' } }]);
    expect(b).toEqual(a);

    stopA();
    stopA();
    expect(invocations).toHaveLength(1);
    stopB();
    expect(invocations.at(-1)).toEqual({ channel: 'lintel:unsubscribe', args: ['site.updated'] });
  });
});
