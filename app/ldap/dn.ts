/** One attribute=value pair of an RDN, normalised for comparison. */
type Ava = [type: string, value: string];

const byText = (a: Ava, b: Ava) =>
  a[0] === b[0] ? (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0) : a[0] < b[0] ? -1 : 1;

/**
 * Splits a DN (RFC 4514) into RDNs of attribute=value pairs: the attribute lower-cased, the value with
 * escapes decoded (`\,` and `\2C` alike), unescaped spaces around it dropped, lower-cased. Multi-valued
 * RDNs are sorted, since `a=1+b=2` and `b=2+a=1` name the same entry.
 */
function parseDn(dn: string): Ava[][] | null {
  const rdns: Ava[][] = [];
  let avas: Ava[] = [];
  let type = '';
  let inValue = false;
  let bytes: number[] = [];
  // Trailing spaces are dropped unless escaped: remember how many bytes the value had at its last escaped byte.
  let keep = 0;
  let quoted = false;
  const endAva = (): boolean => {
    if (!inValue) return false;
    const valueBytes = bytes.slice(0, lastNonSpace(bytes, keep));
    avas.push([type.trim().toLowerCase(), Buffer.from(valueBytes).toString('utf8').toLowerCase()]);
    type = '';
    inValue = false;
    bytes = [];
    keep = 0;
    return true;
  };
  for (let i = 0; i < dn.length; i++) {
    const c = dn[i] ?? '';
    if (!inValue) {
      if (c === '=') {
        inValue = true;
        // Skip unescaped leading spaces of the value.
        while (dn[i + 1] === ' ') i++;
      } else if (c === ',' || c === ';' || c === '+') {
        return null;
      } else type += c;
      continue;
    }
    if (quoted) {
      if (c === '"') {
        quoted = false;
        keep = bytes.length;
      } else if (c === '\\' && i + 1 < dn.length) {
        i++;
        bytes.push(...Buffer.from(dn[i] ?? '', 'utf8'));
        keep = bytes.length;
      } else bytes.push(...Buffer.from(c, 'utf8'));
      continue;
    }
    if (c === '\\') {
      const pair = dn.slice(i + 1, i + 3);
      if (/^[0-9a-fA-F]{2}$/.test(pair)) {
        bytes.push(Number.parseInt(pair, 16));
        i += 2;
      } else if (i + 1 < dn.length) {
        const next = String.fromCodePoint(dn.codePointAt(i + 1) ?? 0);
        bytes.push(...Buffer.from(next, 'utf8'));
        i += next.length;
      } else return null;
      keep = bytes.length;
    } else if (c === '"' && bytes.length === 0) {
      quoted = true;
    } else if (c === ',' || c === ';') {
      if (!endAva()) return null;
      rdns.push(avas.sort(byText));
      avas = [];
    } else if (c === '+') {
      if (!endAva()) return null;
    } else {
      const code = dn.codePointAt(i) ?? 0;
      const char = String.fromCodePoint(code);
      bytes.push(...Buffer.from(char, 'utf8'));
      i += char.length - 1;
    }
  }
  if (quoted) return null;
  if (inValue) {
    endAva();
    rdns.push(avas.sort(byText));
  } else if (type.trim() !== '' || avas.length > 0 || rdns.length > 0) {
    return null;
  }
  return rdns;
}

/** Index just past the last byte that is not an unescaped space (at or after `from`). */
function lastNonSpace(bytes: number[], from: number): number {
  let end = bytes.length;
  while (end > from && bytes[end - 1] === 0x20) end--;
  return end;
}

/** A canonical form of a DN for comparison (JSON, so decoded commas cannot collide), or null if unparseable. */
export function normalizeDn(dn: string): string | null {
  const rdns = parseDn(dn.trim());
  return rdns === null ? null : JSON.stringify(rdns);
}

/**
 * Compares DNs ignoring case and spaces around , = + (enough for group mapping). Escapes are decoded
 * first, so `cn=Smith\, Jane` equals `CN=smith\2c jane`. Unparseable DNs equal only themselves, exactly.
 */
export function sameDn(a: string, b: string): boolean {
  const na = normalizeDn(a);
  const nb = normalizeDn(b);
  if (na === null || nb === null) return a === b;
  return na === nb;
}
