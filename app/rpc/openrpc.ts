import { z } from 'zod';
import { ErrorCode, errorDescriptions, type ErrorName } from '../contract/errors.js';
import { events, type EventSpec } from '../contract/events.js';
import { contract, type MethodName } from '../contract/index.js';
import type { Access } from '../contract/method.js';

/** The OpenRPC 1.3 document of the service, generated from the contract. */
export interface OpenRpcDocument {
  openrpc: string;
  info: { title: string; version: string; description: string };
  methods: OpenRpcMethod[];
  components: { errors: Record<string, { code: number; message: string }> };
  'x-events': {
    name: string;
    summary: string;
    permission: string | null;
    ownSession: boolean;
    schema: unknown;
  }[];
}

/** One method in the OpenRPC document. */
export interface OpenRpcMethod {
  name: string;
  summary: string;
  paramStructure: 'by-name';
  params: { name: string; required: boolean; description?: string; schema: unknown }[];
  result: { name: 'result'; schema: unknown };
  examples: { name: string; params: { name: string; value: unknown }[] }[];
  'x-access': string;
  'x-effect': 'read' | 'write';
}

/** How a method's access rule is written in documents. */
export function accessLabel(access: Access): string {
  if (access.kind === 'public') return 'public (no session)';
  if (access.kind === 'session') return 'any logged-in operator';
  return `permission ${access.permission}`;
}

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const s = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Record<string, unknown>;
  delete s.$schema;
  return s;
}

/** Builds the document answered by `rpc.discover` and rendered into docs/api.md. */
export function buildOpenRpc(version: string): OpenRpcDocument {
  const methods = (Object.keys(contract) as MethodName[]).sort().map((name): OpenRpcMethod => {
    const spec = contract[name];
    const params = jsonSchema(spec.params, 'input') as {
      properties?: Record<string, Record<string, unknown>>;
      required?: string[];
    };
    const required = new Set(params.required ?? []);
    return {
      name,
      summary: spec.summary,
      paramStructure: 'by-name',
      params: Object.entries(params.properties ?? {}).map(([p, schema]) => ({
        name: p,
        required: required.has(p),
        ...(typeof schema.description === 'string' ? { description: schema.description } : {}),
        schema,
      })),
      result: { name: 'result', schema: jsonSchema(spec.result, 'output') },
      examples: [
        {
          name: 'example',
          params: Object.entries(spec.example as Record<string, unknown>).map(([p, value]) => ({
            name: p,
            value,
          })),
        },
      ],
      'x-access': accessLabel(spec.access),
      'x-effect': spec.effect,
    };
  });
  const errors: OpenRpcDocument['components']['errors'] = {};
  for (const name of Object.keys(ErrorCode) as ErrorName[]) {
    errors[name] = { code: ErrorCode[name], message: errorDescriptions[name] };
  }
  return {
    openrpc: '1.3.2',
    info: {
      title: 'Lintel service',
      version,
      description:
        'JSON-RPC 2.0 over HTTPS (POST /rpc) and Electron IPC. Application errors carry data.name; ' +
        'live events arrive over Server-Sent Events (GET /events) or the preload subscribe().',
    },
    methods,
    components: { errors },
    'x-events': Object.entries(events).map(([name, spec]: [string, EventSpec]) => ({
      name,
      summary: spec.summary,
      permission: spec.permission ?? null,
      ownSession: spec.ownSession ?? false,
      schema: jsonSchema(spec.payload, 'output'),
    })),
  };
}
