// Fixtures of the Encoder screen's component tests (not part of the console build).
import type { CardReport, EncoderStatus } from '../../../../app/contract/methods/encoder.js';
import type { OperationProgress } from '../../../../app/contract/methods/operations.js';
import { keyOf } from '../users/test-users.js';

/** The UID of the card the tests place on the encoder. */
export const UID = '04A2B3C4D5E6F7';

/** The encoder in a state; when ready, with the test card on it unless told otherwise. */
export function encoderIn(
  state: EncoderStatus['state'],
  card: EncoderStatus['card'] = state === 'ready' ? { uid: UID, randomId: false } : null,
): EncoderStatus {
  return {
    state,
    ...(state === 'absent' ? {} : { serial: 'NC-0042', firmware: '2.1.0' }),
    card,
  };
}

/** Ada's card as encoder.read reports it: two rights (one zone deleted since), flags, audit records. */
export function adaCard(over: Partial<CardReport> = {}): CardReport {
  return {
    uid: UID,
    kind: 'lintel',
    formatVersion: 1,
    keyVersion: 2,
    key: keyOf(11, UID),
    holder: { id: 7, name: 'Ada Lovelace' },
    access: {
      credentialId: 11,
      userId: 7,
      validFrom: null,
      // The end of 2030-12-31 in Madrid.
      validUntil: '2030-12-31T23:00:00.000Z',
      revalidateBy: '2030-03-08T09:30:00.000Z',
      rights: [
        { kind: 'door', id: 3, name: 'Main entrance', periodId: 1, periodName: 'Office hours' },
        { kind: 'zone', id: 4, name: null, periodId: 2, periodName: null },
      ],
      flags: { pinRequired: true, office: false, privacyOverride: false, extendedOpening: true },
      issuedAt: '2030-03-01T08:00:00.000Z',
    },
    upToDate: true,
    blacklist: { entries: 3, highestSeq: 42 },
    audit: [
      {
        at: '2030-03-01T09:30:00.000Z',
        event: 'granted',
        reason: null,
        doorId: 3,
        doorName: 'Main entrance',
        credentialId: 11,
      },
      {
        at: '2030-03-01T19:45:00.000Z',
        event: 'denied',
        reason: 'outside-time-period',
        doorId: 5,
        doorName: null,
        credentialId: 11,
      },
      {
        at: '2030-03-02T07:00:00.000Z',
        event: 'blacklist-merged',
        reason: null,
        doorId: 3,
        doorName: 'Main entrance',
        credentialId: 11,
      },
    ],
    ...over,
  };
}

/** A progress report of a card operation. */
export function stepOf(
  operationId: string,
  method: string,
  step: OperationProgress['step'],
  done: number,
  total = 5,
  stage: OperationProgress['stage'] = 'reading',
): OperationProgress {
  return { operationId, method, stage, done, total, ...(step ? { step } : {}) };
}
