import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import '../../zod-config.js';
import { Eui64 } from '../../../../app/contract/methods/rf.js';
import {
  LQI_FAIR,
  LQI_GOOD,
  compactEui64,
  groupedJoinCode,
  joinCommand,
  linkQualityOf,
  spacedEui64,
} from './rf-lock-words.js';

const hex = (n: number) =>
  fc
    .array(fc.constantFrom(...'0123456789abcdefABCDEF'), { minLength: n, maxLength: n })
    .map((a) => a.join(''));

describe('the words of an RF lock', () => {
  it('calls link quality good, fair or poor, never getting worse as LQI grows', () => {
    expect([255, LQI_GOOD, LQI_GOOD - 1, LQI_FAIR, LQI_FAIR - 1, 0].map(linkQualityOf)).toEqual([
      'good',
      'good',
      'fair',
      'fair',
      'poor',
      'poor',
    ]);
    const rank = { poor: 0, fair: 1, good: 2 };
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 254 }), (lqi) => {
        expect(rank[linkQualityOf(lqi + 1)]).toBeGreaterThanOrEqual(rank[linkQualityOf(lqi)]);
      }),
    );
  });

  it('reads an EUI-64 as labels print it, and the contract takes exactly 16 hex digits', () => {
    expect(Eui64.parse(compactEui64('00:12:4b:00:01:a2:b3:c4'))).toBe('00124B0001A2B3C4');
    expect(Eui64.parse(compactEui64(' 0012-4B00 01A2-B3C4 '))).toBe('00124B0001A2B3C4');
    expect(spacedEui64('00124B0001A2B3C4')).toBe('00:12:4B:00:01:A2:B3:C4');
    // Whatever separators it was printed with, the same EUI-64 comes back.
    fc.assert(
      fc.property(hex(16), fc.constantFrom(':', '-', ' ', ''), (digits, sep) => {
        const printed = spacedEui64(digits).replaceAll(':', sep);
        expect(Eui64.parse(compactEui64(printed))).toBe(digits.toUpperCase());
      }),
    );
    // One digit too few or too many, or one that is not hex, is refused.
    for (const wrong of ['00124B0001A2B3C', '00124B0001A2B3C4D', '00124B0001A2B3G4', ''])
      expect(Eui64.safeParse(compactEui64(wrong)).success).toBe(false);
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (typed) => {
        const parsed = Eui64.safeParse(compactEui64(typed));
        if (parsed.success) expect(parsed.data).toMatch(/^[0-9A-F]{16}$/);
      }),
    );
  });

  it('groups a join code in fours, whatever it came with, and puts it in the simulator’s command', () => {
    expect(groupedJoinCode('0123456789abcdef0123456789ABCDEF')).toBe(
      '0123-4567-89AB-CDEF-0123-4567-89AB-CDEF',
    );
    fc.assert(
      fc.property(hex(32), (code) => {
        const grouped = groupedJoinCode(code);
        expect(grouped).toMatch(/^([0-9A-F]{4}-){7}[0-9A-F]{4}$/);
        // Grouping again changes nothing: the dashes are optional where it is typed.
        expect(groupedJoinCode(grouped)).toBe(grouped);
        expect(grouped.replaceAll('-', '')).toBe(code.toUpperCase());
      }),
    );
    expect(joinCommand({ eui64: '00124B0001A2B3C4' }, '0123456789abcdef0123456789abcdef')).toBe(
      'lintel sim rflock --state FILE --air HOST:PORT --eui 00124B0001A2B3C4 --join 0123-4567-89AB-CDEF-0123-4567-89AB-CDEF',
    );
  });
});
