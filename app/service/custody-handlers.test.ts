import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failure, serviceFixture, type ServiceFixture } from '../../test/helpers/service-fixture.js';
import { ErrorCode } from '../contract/errors.js';

let f: ServiceFixture;
beforeAll(async () => {
  f = await serviceFixture();
});
afterAll(() => f.close());

describe('custody.unlock on a running Service', () => {
  it('answers CONFLICT (the site is open) with or without a session, whatever the passphrase', async () => {
    for (const caller of [undefined, f.admin.caller]) {
      for (const passphrase of ['correct horse battery staple', 'x']) {
        expect(failure(await f.call('custody.unlock', { passphrase }, { caller }))).toEqual({
          code: ErrorCode.CONFLICT,
          message: 'The site is already open',
          data: { name: 'CONFLICT', reason: 'open' },
        });
      }
    }
  });

  it('still checks the params first', async () => {
    expect(failure(await f.call('custody.unlock', { passphrase: '' })).code).toBe(ErrorCode.INVALID_PARAMS);
    expect(failure(await f.call('custody.unlock', { passphrase: 'p', extra: 1 })).code).toBe(
      ErrorCode.INVALID_PARAMS,
    );
  });
});
