import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../contract/errors.js';
import { checkRequest, jsonDepth, parseEnvelope } from './envelope.js';

const id = fc.oneof(fc.string({ maxLength: 20 }), fc.integer(), fc.constant(null));
const validRequest = fc.record(
  {
    jsonrpc: fc.constant('2.0'),
    method: fc.string({ minLength: 1, maxLength: 30 }),
    params: fc.oneof(
      fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 3 })),
      fc.array(fc.jsonValue({ maxDepth: 2 })),
    ),
    id,
  },
  { requiredKeys: ['jsonrpc', 'method'] },
);

function depthOf(v: unknown): number {
  if (Array.isArray(v)) return 1 + Math.max(0, ...v.map(depthOf));
  if (v && typeof v === 'object') return 1 + Math.max(0, ...Object.values(v).map(depthOf));
  return 0;
}

describe('JSON-RPC 2.0 envelope parser', () => {
  it('never throws, whatever the bytes', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json(), fc.string({ unit: 'binary' })), (text) => {
        const env = parseEnvelope(text);
        expect(['single', 'batch', 'invalid']).toContain(env.kind);
      }),
      { numRuns: 2000 },
    );
  });

  it('answers text that is not JSON with -32700 and a null id', () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        let isJson = true;
        try {
          JSON.parse(text);
        } catch {
          isJson = false;
        }
        fc.pre(!isJson);
        const env = parseEnvelope(text);
        expect(env.kind).toBe('invalid');
        if (env.kind === 'invalid') {
          expect(env.response.error.code).toBe(ErrorCode.PARSE_ERROR);
          expect(env.response.id).toBeNull();
        }
      }),
    );
  });

  it('accepts every well-formed request and keeps its id, method and params', () => {
    fc.assert(
      fc.property(validRequest, (req) => {
        const env = parseEnvelope(JSON.stringify(req));
        expect(env.kind).toBe('single');
        if (env.kind !== 'single' || !env.item.ok) throw new Error('expected an accepted request');
        expect(env.item.request).toEqual(JSON.parse(JSON.stringify(req)));
      }),
    );
  });

  it('answers JSON values that are not requests with -32600, echoing a usable id', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), (value) => {
        const item = checkRequest(value);
        const valid =
          typeof value === 'object' &&
          value !== null &&
          !Array.isArray(value) &&
          (value as Record<string, unknown>).jsonrpc === '2.0' &&
          typeof (value as Record<string, unknown>).method === 'string';
        if (!valid) {
          expect(item.ok).toBe(false);
          if (!item.ok) expect(item.response.error.code).toBe(ErrorCode.INVALID_REQUEST);
        }
      }),
    );
  });

  it('keeps a batch in order, one item per member, errors in place', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(validRequest, fc.jsonValue({ maxDepth: 2 })), { minLength: 1, maxLength: 100 }),
        (members) => {
          const env = parseEnvelope(JSON.stringify(members));
          expect(env.kind).toBe('batch');
          if (env.kind === 'batch') expect(env.items).toHaveLength(members.length);
        },
      ),
    );
  });

  it('refuses an empty batch, an oversized batch, and deep nesting with -32600', () => {
    for (const text of [
      '[]',
      JSON.stringify(Array.from({ length: 101 }, (_, i) => ({ jsonrpc: '2.0', method: 'x', id: i }))),
      `${'['.repeat(33)}${']'.repeat(33)}`,
    ]) {
      const env = parseEnvelope(text);
      expect(env.kind).toBe('invalid');
      if (env.kind === 'invalid') expect(env.response.error.code).toBe(ErrorCode.INVALID_REQUEST);
    }
    const deep = `{"jsonrpc":"2.0","method":"x","params":${'{"a":'.repeat(40)}1${'}'.repeat(40)}}`;
    expect(parseEnvelope(deep).kind).toBe('invalid');
    // A million brackets are refused by counting, without a parse.
    expect(parseEnvelope('['.repeat(1_000_000)).kind).toBe('invalid');
  });

  it('measures nesting exactly, ignoring brackets inside strings', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 8 }), (value) => {
        expect(jsonDepth(JSON.stringify(value))).toBe(depthOf(value));
      }),
    );
    expect(jsonDepth('["[[[\\"]]", {"a": "{{"}]')).toBe(2);
  });

  it('refuses ids that are objects, arrays or booleans, and params that are scalars', () => {
    for (const bad of [
      { id: {} },
      { id: [] },
      { id: true },
      { params: 3 },
      { params: 'x' },
      { params: null },
      { extra: 1 },
    ]) {
      const item = checkRequest({ jsonrpc: '2.0', method: 'm', ...bad });
      expect(item.ok).toBe(false);
    }
  });
});
