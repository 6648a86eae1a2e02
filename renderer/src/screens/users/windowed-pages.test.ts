import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { pagesCovering, rowAt } from './windowed-pages.js';

describe('windowed pages', () => {
  it('names exactly the pages holding the visible rows', () => {
    expect(pagesCovering(0, 0, 100)).toEqual([0]);
    expect(pagesCovering(95, 130, 100)).toEqual([0, 1]);
    expect(pagesCovering(99_950, 99_999, 100)).toEqual([999]);
    expect(pagesCovering(5, 4, 100)).toEqual([]);
    fc.assert(
      fc.property(fc.nat(100_000), fc.nat(200), fc.integer({ min: 1, max: 500 }), (first, span, size) => {
        const pages = pagesCovering(first, first + span, size);
        for (let i = first; i <= first + span; i++) expect(pages).toContain(Math.floor(i / size));
        expect(pages.length).toBe(Math.floor((first + span) / size) - Math.floor(first / size) + 1);
      }),
    );
  });

  it('finds a row in its page, and nothing for a page not loaded', () => {
    const pages = new Map([[2, ['a', 'b', 'c']]]);
    expect(rowAt(pages, 7, 3)).toBe('b');
    expect(rowAt(pages, 3, 3)).toBeUndefined();
  });
});
