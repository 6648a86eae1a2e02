import { describe, expect, it } from 'vitest';
import { HasherBusyError, PasswordHasher, passwordProblem } from './passwords.js';

describe('the password policy', () => {
  it.each([
    ['short1', /at least 12/],
    ['alice-is-the-best', /username/],
    ['abcabcabcabc', /short pattern/],
    ['zzzzzzzzzzzz', /short pattern/],
    ['1qaz2wsx3edc', /too common/],
    ['Password2024!', /too common/],
    ['!!Dragon123456', /too common/],
    ['monkeymonkey', /too common/],
  ])('refuses %s', (pw, why) => {
    expect(passwordProblem(pw, 'alice')).toMatch(why);
  });

  it.each(['correct horse battery staple', 'tram-Lintel-42-orchid', 'ñandú sobre el tejado'])(
    'accepts %s',
    (pw) => {
      expect(passwordProblem(pw, 'alice')).toBeUndefined();
    },
  );

  it('counts characters, not UTF-16 units', () => {
    expect(passwordProblem('😀😀😀😀😀😀😀😀😀😀😀', 'bob')).toMatch(/at least 12/);
  });
});

describe('the hasher', () => {
  it('verifies what it hashed and refuses anything else, including a malformed stored hash', async () => {
    const h = new PasswordHasher({ memoryKiB: 8192, iterations: 1, parallelism: 1 });
    const stored = await h.hash('correct horse battery staple');
    expect(stored).toMatch(/^\$argon2id\$v=19\$m=8192,t=1,p=1\$|^\$argon2id\$v=19\$m=8192,p=1,t=1\$/);
    expect(await h.verify(stored, 'correct horse battery staple')).toBe(true);
    expect(await h.verify(stored, 'correct horse battery stapl')).toBe(false);
    expect(await h.verify('not a hash', 'x')).toBe(false);
    expect(await h.verify(undefined, 'x')).toBe(false);
  });

  it('runs at most its limit at once and refuses beyond its queue instead of piling up', async () => {
    const h = new PasswordHasher(
      { memoryKiB: 8192, iterations: 1, parallelism: 1 },
      { concurrent: 1, queued: 2 },
    );
    const results = await Promise.allSettled(
      Array.from({ length: 5 }, (_, i) => h.hash(`password number ${i}`)),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(3);
    for (const r of results.filter((x) => x.status === 'rejected'))
      expect((r as PromiseRejectedResult).reason).toBeInstanceOf(HasherBusyError);
    // The slots are free again afterwards.
    expect(await h.hash('after the burst')).toMatch(/^\$argon2id/);
  });
});
