import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CardShelf } from '../ncoder/card-shelf.js';
import {
  describeLeds,
  newReaderState,
  ReaderConsole,
  readReaderState,
  writeReaderState,
} from './reader-console.js';
import { keypadText, ReaderSimulator } from './reader-simulator.js';
import type { PdReply } from './replies.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function setup() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lintel-reader-'));
  dirs.push(dir);
  const sim = new ReaderSimulator({ address: 1, serial: 7 });
  const reports: PdReply[] = [];
  sim.session.report = (r) => void reports.push(r);
  let out = '';
  const saved: string[][] = [];
  const shelf = new CardShelf(path.join(dir, 'cards'));
  const con = new ReaderConsole(
    sim,
    shelf,
    { write: (s: string) => ((out += s), true) } as unknown as NodeJS.WritableStream,
    { address: 1, port: '/dev/test', saveFingers: (f) => saved.push(f) },
  );
  const run = (line: string) => {
    out = '';
    con.run(line);
    return out.trimEnd();
  };
  return { dir, sim, reports, run, saved };
}

describe('the reader simulator console', () => {
  it('puts cards in the field (reported as osdp_RAW), types on the keypad, enrols and presents fingers', () => {
    const { dir, sim, reports, run, saved } = setup();
    expect(run('card new 2k')).toMatch(/^placed card-1 \(UID ([0-9a-f]{14}), 2k\) file card-1\.json$/);
    const uid = Buffer.from(sim.cardInField!.activation.uid);
    expect(reports).toEqual([{ type: 'raw', reader: 0, format: 0, bits: 56, data: uid }]);
    expect(run('card remove')).toBe('removed card-1');
    expect(sim.cardInField).toBeUndefined();
    expect(run('card place cards/card-1.json'.replace('cards', path.join(dir, 'cards')))).toMatch(
      /^placed card-1 /,
    );
    expect(run('card list')).toBe('* card-1');
    expect(run('card place ../card-1')).toMatch(/^error: card place: .* is not in the cards folder/);

    expect(run('keypad 12*#')).toBe('keypad: 4 key(s) waiting for the next poll');
    const keypad = reports.at(-1) as Extract<PdReply, { type: 'keypad' }>;
    expect([...keypad.digits]).toEqual([0x31, 0x32, 0x7f, 0x0d]);
    expect(keypadText(keypad.digits)).toBe('12*#');
    expect(run('keypad 12a')).toMatch(/^error: keypad: keys are 0-9/);

    expect(run('finger enrol alice')).toBe('enrolled finger alice');
    expect(saved).toEqual([['alice']]);
    expect(run('finger present bob')).toBe('error: no finger "bob" enrolled: finger enrol bob first');
    expect(run('finger present alice')).toMatch(/^finger alice on the sensor/);
    expect(run('status')).toMatch(
      /^key: install mode.*\nsecure channel: down\ncard: card-1 .*\nfingers: alice \(on the sensor: alice\)/m,
    );
    expect(run('bogus')).toBe('error: unknown command "bogus": type help');
    expect(run('help')).toMatch(/^Commands:/);
  });

  it('keeps its state in a 0600 file and refuses one that is not its own', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lintel-reader-'));
    dirs.push(dir);
    const file = path.join(dir, 'state.json');
    expect(readReaderState(file)).toBeUndefined();
    writeReaderState(file, { ...newReaderState(42), scbk: '00'.repeat(16), fingers: ['a'] });
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(readReaderState(file)).toMatchObject({ serial: 42, scbk: '00'.repeat(16), fingers: ['a'] });
    fs.writeFileSync(file, '{"format":"something else"}');
    expect(() => readReaderState(file)).toThrow(/is not an OSDP reader simulator state file/);
  });
});

describe('the reader simulator’s LED', () => {
  it('prints what osdp_LED shows: the amber blinking of a PIN wait, a grant’s green, a permanent setting', () => {
    const seen: string[] = [];
    const sim = new ReaderSimulator({
      address: 0,
      serial: 1,
      onLed: (leds) => seen.push(...describeLeds(leds)),
    });
    const off = { control: 0, onTime: 0, offTime: 0, onColor: 0, offColor: 0 };
    // The settings app/control-unit/reader-link.ts sends for "type your PIN" (15 s) and for a grant (3 s).
    const pinWanted = { control: 2, onTime: 3, offTime: 3, onColor: 3, offColor: 0, timer: 150 };
    const granted = { control: 2, onTime: 30, offTime: 0, onColor: 2, offColor: 2, timer: 30 };
    const handle = (sim as unknown as { handle(c: unknown): PdReply }).handle.bind(sim);
    expect(handle({ type: 'led', leds: [{ reader: 0, led: 0, temp: pinWanted, perm: off }] })).toEqual({
      type: 'ack',
    });
    handle({ type: 'led', leds: [{ reader: 0, led: 0, temp: granted, perm: off }] });
    handle({
      type: 'led',
      leds: [{ reader: 0, led: 0, temp: { ...off, timer: 0 }, perm: { ...off, control: 1, onColor: 1 } }],
    });
    handle({ type: 'led', leds: [{ reader: 0, led: 0, temp: { ...off, timer: 0 }, perm: off }] });
    expect(seen).toEqual(['led amber blinking for 15 s', 'led green for 3 s', 'led red']);
  });
});
