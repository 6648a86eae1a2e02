import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { hidOutputReport } from '../app/ports/hid.js';
import { listHidDevices, nodeHidDevices, openHidDevice } from './hid-device.js';

describe('hid-device adapter', () => {
  it('loads the native node-hid module', () => {
    // Listing alone could succeed from a cached result; the version comes from the loaded binary.
    const hid = createRequire(import.meta.url)('node-hid') as { getHidapiVersion(): string };
    expect(hid.getHidapiVersion()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('lists HID devices (none are attached here, so an empty list is fine)', async () => {
    const devices = await listHidDevices();
    expect(Array.isArray(devices)).toBe(true);
    for (const d of devices) {
      expect(typeof d.path).toBe('string');
      expect(Number.isInteger(d.vendorId)).toBe(true);
      expect(Number.isInteger(d.productId)).toBe(true);
    }
    const filtered = await nodeHidDevices.list({ vendorId: 0xffff, productId: 0xfffe });
    expect(filtered.every((d) => d.vendorId === 0xffff && d.productId === 0xfffe)).toBe(true);
  });

  it('names the path when a device cannot be opened', async () => {
    await expect(openHidDevice('/dev/lintel-no-such-hidraw')).rejects.toThrow(
      /cannot open \/dev\/lintel-no-such-hidraw/,
    );
    await expect(openHidDevice('')).rejects.toThrow(/empty device path/);
  });
});

describe('hidOutputReport', () => {
  it('puts the report ID first and pads the data to the report size', () => {
    const r = hidOutputReport(0x02, Uint8Array.of(0xaa, 0xbb), 8);
    expect([...r]).toEqual([0x02, 0xaa, 0xbb, 0, 0, 0, 0, 0, 0]);
  });

  it('uses report ID 0 for devices that do not number their reports', () => {
    expect([...hidOutputReport(0, Uint8Array.of(1, 2, 3))]).toEqual([0, 1, 2, 3]);
  });

  it('copies the payload, so the caller may reuse its buffer', () => {
    const payload = Uint8Array.of(9, 9);
    const r = hidOutputReport(1, payload, 4);
    payload.fill(0);
    expect([...r]).toEqual([1, 9, 9, 0, 0]);
  });

  it('refuses a payload longer than the report and report IDs that are not a byte', () => {
    expect(() => hidOutputReport(0, new Uint8Array(65), 64)).toThrow(/do not fit a 64-byte report/);
    expect(() => hidOutputReport(256, new Uint8Array(1))).toThrow(/not a byte/);
    expect(() => hidOutputReport(-1, new Uint8Array(1))).toThrow(/not a byte/);
    expect(() => hidOutputReport(1.5, new Uint8Array(1))).toThrow(/not a byte/);
  });
});
