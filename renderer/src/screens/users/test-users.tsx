import type { ReactElement } from 'react';
import { QueryClientProvider } from '@tanstack/react-query';
import type { AccessEvent } from '../../../../app/contract/methods/events.js';
import type { Key, User } from '../../../../app/contract/methods/users.js';
import { createQueryClient } from '../../providers.js';
import { SiteTimeProvider } from '../../site-time.js';
import { renderInConsole } from '../../test-render.js';

// What the users screens' tests share: a user, keys and events as the service returns them, and a
// render with an RPC cache of its own.

const at = '2026-03-01T09:30:00.000Z';

/** Ada Lovelace, valid through March 2027 in Auckland, with one access level and a PIN. */
export const ada: User = {
  id: 7,
  firstName: 'Ada',
  lastName: 'Lovelace',
  identifier: 'E-1001',
  department: 'Engineering',
  // 2027-03-01 00:00 and 2027-04-01 00:00 in Auckland (NZDT, UTC+13).
  validFrom: '2027-02-28T11:00:00.000Z',
  validUntil: '2027-03-31T11:00:00.000Z',
  pinSet: true,
  fingerprintEnrolled: false,
  privileges: { office: false, privacyOverride: false, extendedOpening: true },
  notes: '',
  accessLevelIds: [2],
  activeKeys: 1,
  createdAt: at,
  updatedAt: at,
  version: 4,
};

/** A key of Ada's in a given state. */
export function keyOf(id: number, uid: string, status: Key['status'] = 'issued'): Key {
  return {
    id,
    userId: ada.id,
    uid,
    status,
    expiresAt: null,
    revalidationHours: null,
    revalidatedAt: null,
    revalidateBy: null,
    issuedAt: at,
    cancelledAt: status === 'cancelled' ? at : null,
    blacklistSeq: null,
    createdAt: at,
    updatedAt: at,
    version: 1,
  };
}

/** An access event of a cardholder. */
export function eventOf(
  id: number,
  when: string,
  userId = ada.id,
  extra: Partial<AccessEvent> = {},
): AccessEvent {
  return {
    id,
    at: when,
    kind: 'access-granted',
    doorId: 3,
    doorName: 'Main entrance',
    userId,
    userName: 'Ada Lovelace',
    credentialId: 11,
    reason: null,
    source: 'gateway',
    detail: { uid: '04A2B3C4' },
    ...extra,
  };
}

/** Renders as the console would, in Auckland's time zone, with an RPC cache of its own. */
export function renderUsers(ui: ReactElement) {
  return renderInConsole(
    <QueryClientProvider client={createQueryClient()}>
      <SiteTimeProvider timeZone="Pacific/Auckland">{ui}</SiteTimeProvider>
    </QueryClientProvider>,
  );
}

/** The shell's words for a failed call. */
export const failure = (err: unknown) => (err instanceof Error ? `Failed: ${err.message}` : 'Failed');
