import type { Arbitrary } from 'fast-check';
import type fastCheck from 'fast-check';
import type { AccessRight } from '../access/engine.js';
import { DENIAL_REASONS } from '../contract/deny-reasons.js';
import type { CardAccessData } from './access-data.js';
import { AUDIT_EVENTS, type CardAuditRecord } from './audit-record.js';
import type { CardBlacklist } from './blacklist-fragment.js';
import { MAX_CARD_BLACKLIST, MAX_CARD_RIGHTS } from './format-limits.js';

/**
 * fast-check arbitraries of valid card content, for the card tests. fast-check is passed in rather
 * than imported, so this module (which the build compiles with the rest of app/) never loads a
 * development dependency.
 */
export function cardArbitraries(fc: typeof fastCheck) {
  const U32 = 0xffff_ffff;
  const id32 = fc.integer({ min: 1, max: U32 });
  const instant = fc.integer({ min: 0, max: U32 });

  const right: Arbitrary<AccessRight> = fc.record({
    kind: fc.constantFrom('door' as const, 'zone' as const),
    id: fc.integer({ min: 1, max: 0x7fff_ffff }),
    periodId: fc.integer({ min: 1, max: 0xffff }),
  });

  /** Valid access data: from < until when both are set, a window of at least a second. */
  const access: Arbitrary<CardAccessData> = fc
    .record({
      credentialId: id32,
      userId: id32,
      a: fc.option(instant, { nil: null }),
      b: fc.option(instant, { nil: null }),
      revalidation: fc.option(fc.record({ by: instant, windowSeconds: id32 }), { nil: null }),
      rights: fc.array(right, { maxLength: MAX_CARD_RIGHTS }),
      flags: fc.record({
        pinRequired: fc.boolean(),
        office: fc.boolean(),
        privacyOverride: fc.boolean(),
        extendedOpening: fc.boolean(),
      }),
      issuedAt: instant,
    })
    .filter(({ a, b }) => a === null || b === null || a !== b)
    .map(({ a, b, ...rest }) => {
      const [validFrom, validUntil] = a !== null && b !== null ? [Math.min(a, b), Math.max(a, b)] : [a, b];
      return { ...rest, validFrom, validUntil };
    });

  const entry = fc.record({ seq: id32, credentialId: id32, expiresAt: instant });
  /** A valid fragment, entries newest first: unique sequence numbers, none above the highest. */
  const blacklist: Arbitrary<CardBlacklist> = fc
    .uniqueArray(entry, { maxLength: MAX_CARD_BLACKLIST, selector: (e) => e.seq })
    .chain((entries) =>
      fc
        .integer({ min: Math.max(0, ...entries.map((e) => e.seq)), max: U32 })
        .map((highestSeq) => ({ highestSeq, entries: [...entries].sort((x, y) => y.seq - x.seq) })),
    );

  const audit: Arbitrary<CardAuditRecord> = fc
    .record({
      event: fc.constantFrom(...AUDIT_EVENTS),
      reason: fc.constantFrom(...DENIAL_REASONS),
      doorId: id32,
      at: instant,
      credentialId: id32,
    })
    .map((r) => ({ ...r, reason: r.event === 'denied' ? r.reason : null }));

  return { instant, access, blacklist, audit };
}
