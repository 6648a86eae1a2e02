/** Bytes that RFC 4515 says must be escaped in a filter value: * ( ) \ and NUL. */
const SPECIAL = new Set([0x2a, 0x28, 0x29, 0x5c, 0x00]);

function hex(byte: number): string {
  return `\\${byte.toString(16).padStart(2, '0')}`;
}

/**
 * RFC 4515 escaping of a filter value: * ( ) \ NUL and every non-printable / non-ASCII byte as \XX.
 * Non-ASCII is escaped byte by byte of its UTF-8 form (RFC 4515 allows it raw, but escaped output is
 * plain ASCII, so nothing downstream can mangle or reinterpret it).
 */
export function escapeFilterValue(value: string): string {
  let out = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    out += SPECIAL.has(byte) || byte < 0x20 || byte >= 0x7f ? hex(byte) : String.fromCharCode(byte);
  }
  return out;
}

/** Reverses {@link escapeFilterValue} (or any RFC 4515 value): \XX sequences become bytes, read as UTF-8. */
export function unescapeFilterValue(escaped: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < escaped.length;) {
    if (escaped[i] === '\\') {
      const pair = escaped.slice(i + 1, i + 3);
      if (!/^[0-9a-fA-F]{2}$/.test(pair)) throw new Error(`invalid escape \\${pair} in a filter value`);
      bytes.push(Number.parseInt(pair, 16));
      i += 3;
    } else {
      const char = String.fromCodePoint(escaped.codePointAt(i) ?? 0);
      bytes.push(...Buffer.from(char, 'utf8'));
      i += char.length;
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/**
 * Fills {username} / {dn} in a template with escaped values. One pass: a value that itself contains
 * `{dn}` is not expanded again, and placeholders with no value are left as they are.
 */
export function fillFilter(template: string, values: Record<string, string>): string {
  return template.replace(/\{([A-Za-z]+)\}/g, (whole, name: string) =>
    Object.hasOwn(values, name) ? escapeFilterValue(values[name] ?? '') : whole,
  );
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Rewrites runs of escaped non-ASCII bytes in a filter (`\c3\bc`) as the characters they encode (`ü`),
 * keeping escaped ASCII (`\2a`, `\28`, `\00`…) escaped. ldapts unescapes each \XX as one UTF-16 code
 * unit and then writes the value as UTF-8, which would send c3 83 c2 bc for ü; raw non-ASCII is legal
 * in RFC 4515 and ldapts encodes it correctly. Throws when escaped bytes are not UTF-8 (binary
 * assertion values, which ldapts' string filters cannot carry).
 */
export function escapedUtf8AsText(filter: string): string {
  return filter.replace(/(?:\\[0-9a-fA-F]{2})+/g, (run) => {
    if (!/\\[89a-fA-F][0-9a-fA-F]/.test(run)) return run;
    const bytes = Buffer.from(run.replace(/\\/g, ''), 'hex');
    let text: string;
    try {
      text = utf8.decode(bytes);
    } catch {
      throw new Error(`the filter escapes bytes that are not UTF-8 text (${run})`);
    }
    let out = '';
    for (const char of text) {
      const code = char.codePointAt(0) ?? 0;
      out += code < 0x80 ? hex(code) : char;
    }
    return out;
  });
}
