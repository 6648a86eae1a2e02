import { describe, expect, it } from 'vitest';
import { searchOf, urlFilterOf } from './filter-url.js';

describe('the events filters in the address', () => {
  it('reads what a link names and round-trips it', () => {
    const params = new URLSearchParams(
      'kind=access-denied&door=3&user=7&key=70&reason=outside-time-period&from=2026-11-01T08:00&to=2026-11-02T08:00',
    );
    const f = urlFilterOf(params);
    expect(f).toEqual({
      kind: 'access-denied',
      door: 3,
      user: 7,
      key: 70,
      reason: 'outside-time-period',
      from: '2026-11-01T08:00',
      to: '2026-11-02T08:00',
    });
    expect(searchOf(f).toString()).toBe(params.toString());
  });

  it('leaves out what no filter can take: unknown kinds and reasons, ids that are not positive integers', () => {
    const f = urlFilterOf(
      new URLSearchParams('kind=party&reason=because&door=0&user=-1&key=1e3&from=' + 'x'.repeat(99)),
    );
    expect(f).toEqual({
      kind: '',
      door: undefined,
      user: undefined,
      key: undefined,
      reason: '',
      from: 'x'.repeat(30),
      to: '',
    });
    expect(searchOf({ ...f, from: '' }).toString()).toBe('');
  });

  it('takes the console’s key-change reasons as well as the engine’s', () => {
    expect(urlFilterOf(new URLSearchParams('reason=key-cancelled')).reason).toBe('key-cancelled');
  });
});
