import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HandError, parseHand } from './hands-parse.js';

describe('the hands’ command line', () => {
  it('reads what a person types at the demo', () => {
    expect(parseHand('card ada at entrance')).toEqual({ kind: 'card', who: 'ada', door: 'entrance' });
    expect(parseHand('  card  ada at Room 101 ')).toEqual({ kind: 'card', who: 'ada', door: 'Room 101' });
    expect(parseHand('card ada at lab pin 4711')).toEqual({
      kind: 'card',
      who: 'ada',
      door: 'lab',
      pin: '4711',
    });
    expect(parseHand('pin lab 4711')).toEqual({ kind: 'pin', door: 'lab', digits: '4711' });
    expect(parseHand('pin room 101 4711')).toEqual({ kind: 'pin', door: 'room 101', digits: '4711' });
    expect(parseHand('visit room 102')).toEqual({ kind: 'visit', door: 'room 102' });
    expect(parseHand('phone open store')).toEqual({ kind: 'phone', action: 'open', door: 'store' });
    expect(parseHand('phone open store room pin 1234')).toEqual({
      kind: 'phone',
      action: 'open',
      door: 'store room',
      pin: '1234',
    });
    expect(parseHand('phone open room 101')).toEqual({ kind: 'phone', action: 'open', door: 'room 101' });
    expect(parseHand('phone replay store')).toEqual({ kind: 'phone', action: 'replay', door: 'store' });
    expect(parseHand('phone fetch')).toEqual({ kind: 'phone', action: 'fetch' });
    expect(parseHand('state entrance')).toEqual({ kind: 'state', door: 'entrance' });
    expect(parseHand('force entrance')).toEqual({ kind: 'force', door: 'entrance' });
    expect(parseHand('feed off')).toEqual({ kind: 'feed', on: false });
    expect(parseHand('')).toBeUndefined();
    expect(parseHand('   ')).toBeUndefined();
  });

  it('says what to type instead', () => {
    const refusal = (line: string) => {
      try {
        parseHand(line);
      } catch (err) {
        expect(err).toBeInstanceOf(HandError);
        return (err as Error).message;
      }
      throw new Error(`${line} was accepted`);
    };
    expect(refusal('card ada entrance')).toMatch(/card WHO at DOOR/);
    expect(refusal('card ada at')).toMatch(/which door/);
    expect(refusal('card ada at lab pin')).toMatch(/the PIN is digits/);
    expect(refusal('card ada at lab pin 12ab')).toMatch(/the PIN is digits/);
    expect(refusal('pin lab')).toMatch(/pin DOOR NNNN/);
    expect(refusal('visit')).toMatch(/which door/);
    expect(refusal('phone call store')).toMatch(/phone open DOOR/);
    expect(refusal('phone replay store pin 1234')).toMatch(/the PIN is digits/);
    expect(refusal('feed maybe')).toMatch(/feed on\|off/);
    expect(refusal('dance')).toMatch(/unknown command "dance": type help/);
  });

  it('answers any line with a command, nothing, or a HandError', () => {
    const words = fc.constantFrom(
      'card',
      'at',
      'pin',
      'phone',
      'open',
      'replay',
      'visit',
      'feed',
      'on',
      'lab',
      '4711',
      'x',
    );
    const line = fc.oneof(
      fc.string({ maxLength: 80 }),
      fc.array(words, { maxLength: 8 }).map((w) => w.join(' ')),
    );
    fc.assert(
      fc.property(line, (l) => {
        try {
          const cmd = parseHand(l);
          if (cmd && 'door' in cmd) expect(cmd.door.trim()).not.toBe('');
        } catch (err) {
          expect(err).toBeInstanceOf(HandError);
        }
      }),
      { numRuns: 2_000 },
    );
  });
});
