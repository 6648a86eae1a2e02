// Draws Lintel's icon (a door frame under its lintel, the door ajar) and writes the PNG sizes that
// electron-builder wants (build/icons/NxN.png) and build/icon.svg, all from one shape list. Plain
// Node.js with zlib: no image library, so the icons can be remade anywhere. Usage:
//   node build/make-icons.mjs           writes the files
//   node build/make-icons.mjs --check   exits 1 if a committed PNG differs from what this script draws
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import zlib from 'node:zlib';

/** The sizes written to build/icons (Linux wants a set; Windows and macOS convert the large ones). */
export const SIZES = [16, 24, 32, 48, 64, 128, 256, 512];

const BACKGROUND = [0x1e, 0x3a, 0x5f]; // deep blue
const FRAME = [0xf5, 0xf7, 0xfa]; // off-white
const DOOR = [0xf2, 0xa5, 0x41]; // amber

/** The icon on a unit square: a rounded background, then rectangles painted in order. */
export const SHAPES = {
  radius: 0.2,
  rects: [
    { x: 0.2, y: 0.18, w: 0.6, h: 0.12, color: FRAME }, // the lintel
    { x: 0.26, y: 0.3, w: 0.1, h: 0.54, color: FRAME }, // left jamb
    { x: 0.64, y: 0.3, w: 0.1, h: 0.54, color: FRAME }, // right jamb
    { x: 0.36, y: 0.34, w: 0.2, h: 0.5, color: DOOR }, // the door, ajar
    { x: 0.5, y: 0.56, w: 0.035, h: 0.06, color: BACKGROUND }, // its handle
  ],
};

function insideRoundedSquare(x, y, r) {
  const cx = Math.min(Math.max(x, r), 1 - r);
  const cy = Math.min(Math.max(y, r), 1 - r);
  return (x - cx) ** 2 + (y - cy) ** 2 <= r * r;
}

/** The colour at a point of the unit square, or undefined outside the rounded background. */
function colorAt(x, y) {
  if (!insideRoundedSquare(x, y, SHAPES.radius)) return undefined;
  let color = BACKGROUND;
  for (const r of SHAPES.rects) {
    if (x >= r.x && x < r.x + r.w && y >= r.y && y < r.y + r.h) color = r.color;
  }
  return color;
}

/** Renders the icon as RGBA pixels, 4×4 samples a pixel for smooth edges at small sizes. */
export function renderIcon(size) {
  const n = 4;
  const out = new Uint8Array(size * size * 4);
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let r = 0;
      let g = 0;
      let b = 0;
      let covered = 0;
      for (let sy = 0; sy < n; sy++) {
        for (let sx = 0; sx < n; sx++) {
          const c = colorAt((px + (sx + 0.5) / n) / size, (py + (sy + 0.5) / n) / size);
          if (!c) continue;
          r += c[0];
          g += c[1];
          b += c[2];
          covered++;
        }
      }
      const i = (py * size + px) * 4;
      if (covered > 0) {
        // Straight (not premultiplied) alpha, as PNG stores it.
        out[i] = Math.round(r / covered);
        out[i + 1] = Math.round(g / covered);
        out[i + 2] = Math.round(b / covered);
        out[i + 3] = Math.round((covered / (n * n)) * 255);
      }
    }
  }
  return out;
}

function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(zlib.crc32(body));
  return Buffer.concat([len, body, crc]);
}

/** Encodes RGBA pixels as a PNG (8-bit RGBA, every row with filter type 0, deflated at level 9). */
export function encodePng(size, rgba) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // colour type: RGBA
  const stride = size * 4;
  const raw = Buffer.alloc((stride + 1) * size);
  for (let y = 0; y < size; y++) {
    raw[y * (stride + 1)] = 0;
    Buffer.from(rgba.buffer, rgba.byteOffset + y * stride, stride).copy(raw, y * (stride + 1) + 1);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', zlib.deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** Decodes a PNG this script wrote back to RGBA pixels (filter type 0 only), for the --check mode. */
export function decodePng(png) {
  if (!png.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) {
    throw new Error('not a PNG');
  }
  let size = 0;
  const idat = [];
  for (let off = 8; off < png.length;) {
    const len = png.readUInt32BE(off);
    const type = png.toString('latin1', off + 4, off + 8);
    const data = png.subarray(off + 8, off + 8 + len);
    if (type === 'IHDR') {
      size = data.readUInt32BE(0);
      if (data.readUInt32BE(4) !== size || data[8] !== 8 || data[9] !== 6)
        throw new Error('not a square RGBA PNG');
    } else if (type === 'IDAT') idat.push(data);
    off += 12 + len;
  }
  const raw = zlib.inflateSync(Buffer.concat(idat));
  const stride = size * 4;
  const out = new Uint8Array(size * size * 4);
  for (let y = 0; y < size; y++) {
    if (raw[y * (stride + 1)] !== 0) throw new Error('unexpected PNG filter');
    out.set(raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1)), y * stride);
  }
  return { size, rgba: out };
}

const hex = (c) => `#${c.map((v) => v.toString(16).padStart(2, '0')).join('')}`;

/** The same icon as SVG, on a 512-unit canvas. */
export function renderSvg() {
  const u = (v) => +(v * 512).toFixed(2);
  const rects = SHAPES.rects
    .map(
      (r) =>
        `  <rect x="${u(r.x)}" y="${u(r.y)}" width="${u(r.w)}" height="${u(r.h)}" fill="${hex(r.color)}"/>`,
    )
    .join('\n');
  return [
    '<svg xmlns="http://www.w3.org/2000/svg" width="512" height="512" viewBox="0 0 512 512">',
    '  <title>Lintel</title>',
    `  <rect width="512" height="512" rx="${u(SHAPES.radius)}" fill="${hex(BACKGROUND)}"/>`,
    rects,
    '</svg>',
    '',
  ].join('\n');
}

function main() {
  const dir = path.dirname(fileURLToPath(import.meta.url));
  const check = process.argv.includes('--check');
  const stale = [];
  for (const size of SIZES) {
    const file = path.join(dir, 'icons', `${size}x${size}.png`);
    const rgba = renderIcon(size);
    if (check) {
      const current = fs.existsSync(file) ? decodePng(fs.readFileSync(file)) : undefined;
      if (!current || current.size !== size || !Buffer.from(current.rgba).equals(Buffer.from(rgba)))
        stale.push(file);
    } else {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, encodePng(size, rgba));
    }
  }
  const svgFile = path.join(dir, 'icon.svg');
  if (check) {
    if (!fs.existsSync(svgFile) || fs.readFileSync(svgFile, 'utf8') !== renderSvg()) stale.push(svgFile);
    if (stale.length) {
      process.stderr.write(
        `make-icons: out of date, run node build/make-icons.mjs:\n  ${stale.join('\n  ')}\n`,
      );
      process.exitCode = 1;
    }
  } else {
    fs.writeFileSync(svgFile, renderSvg());
    process.stdout.write(`make-icons: wrote ${SIZES.length} PNGs and icon.svg\n`);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) main();
