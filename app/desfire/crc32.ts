/**
 * CRC32NK as DESFire ChangeKey uses it (NXP calls it "CRC32NK"; elsewhere it is known as JAMCRC): the
 * IEEE 802.3 CRC-32 (reflected polynomial 0xEDB88320, initial value 0xFFFFFFFF) without the final xor,
 * sent least significant byte first. AN12196 table 25 gives CRC32NK(F3847D627727ED3BC9C4CC050489B966)
 * = 78 9D FA DC.
 */

const TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** The CRC32NK of `data` as the 4 bytes ChangeKey carries. */
export function crc32nk(data: Uint8Array): Buffer {
  let crc = 0xffffffff;
  for (const byte of data) crc = TABLE[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  const out = Buffer.alloc(4);
  out.writeUInt32LE(crc >>> 0, 0);
  return out;
}
