import type { OpenRpcDocument } from './openrpc.js';

function typeOf(schema: unknown): string {
  const s = schema as Record<string, unknown>;
  if (Array.isArray(s.anyOf)) return (s.anyOf as unknown[]).map(typeOf).join(' | ');
  if ('const' in s) return JSON.stringify(s.const);
  if (Array.isArray(s.enum)) return (s.enum as unknown[]).map((v) => JSON.stringify(v)).join(' | ');
  if (s.type === 'array') return `${typeOf(s.items ?? {})}[]`;
  if (typeof s.format === 'string') return `${String(s.type)} (${s.format})`;
  return typeof s.type === 'string' ? s.type : 'any';
}

function fields(schema: unknown): string[] {
  const s = schema as { properties?: Record<string, Record<string, unknown>>; required?: string[] };
  const required = new Set(s.required ?? []);
  return Object.entries(s.properties ?? {}).map(
    ([name, p]) =>
      `| \`${name}\` | ${typeOf(p)} | ${required.has(name) ? 'yes' : 'no'} | ${String(p.description ?? '').replace(/\|/g, '\\|')} |`,
  );
}

/** Renders docs/api.md from the OpenRPC document (`npm run docs:api` writes it; a test keeps it current). */
export function renderApiMarkdown(doc: OpenRpcDocument): string {
  const out: string[] = [
    '# Lintel service API',
    '',
    '<!-- Generated from app/contract by `npm run docs:api`; do not edit by hand. -->',
    '',
    doc.info.description,
    '',
    'Every call is a JSON-RPC 2.0 request. Over HTTPS: `POST /rpc` with `Content-Type: application/json`,',
    'authenticated by the session cookie (browser: plus the `X-CSRF-Token` header copied from the',
    '`__Host-lintel_csrf` cookie) or by `Authorization: Bearer <token>` from `session.login`.',
    '`rpc.discover` returns this document as OpenRPC.',
    '',
    '## Methods',
    '',
  ];
  for (const m of doc.methods) {
    const audited =
      m['x-effect'] === 'write' ? 'every call by an operator is audited' : 'audited when refused';
    out.push(`### \`${m.name}\``, '', m.summary, '', `Access: ${m['x-access']}; ${audited}.`, '');
    if (m.params.length) {
      out.push('| param | type | required | notes |', '| --- | --- | --- | --- |');
      for (const p of m.params) {
        out.push(
          `| \`${p.name}\` | ${typeOf(p.schema)} | ${p.required ? 'yes' : 'no'} | ${(p.description ?? '').replace(/\|/g, '\\|')} |`,
        );
      }
      out.push('');
    } else {
      out.push('No params.', '');
    }
    const example = Object.fromEntries((m.examples[0]?.params ?? []).map((p) => [p.name, p.value]));
    if (Object.keys(example).length)
      out.push('Example params:', '', '```json', JSON.stringify(example, null, 2), '```', '');
    const rf = fields(m.result.schema);
    if (rf.length)
      out.push('Result:', '', '| field | type | always | notes |', '| --- | --- | --- | --- |', ...rf, '');
  }
  out.push('## Live events', '', '| event | who receives it | summary |', '| --- | --- | --- |');
  for (const e of doc['x-events'])
    out.push(
      `| \`${e.name}\` | ${e.ownSession ? 'only the session whose call it is' : `sessions with ${e.permission}`} | ${e.summary} |`,
    );
  out.push('', '## Errors', '', '| name | code | meaning |', '| --- | --- | --- |');
  for (const [name, e] of Object.entries(doc.components.errors))
    out.push(`| ${name} | ${e.code} | ${e.message} |`);
  out.push('');
  return out.join('\n');
}
