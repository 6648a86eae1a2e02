import { useCallback } from 'react';
import type { Operator } from '../../../../app/contract/methods/operators.js';
import type { Partition } from '../../../../app/contract/permissions.js';
import { useT } from '../../i18n/i18n.js';

/** A wait as people say it: "1 second", "40 seconds", "3 minutes" ("a moment" when unknown). */
export function useWaitText(): (seconds: number) => string {
  const { t } = useT('operators');
  return useCallback(
    (seconds) => {
      if (!Number.isFinite(seconds) || seconds <= 0) return t('wait.moment');
      if (seconds < 90) return t('wait.seconds', { count: Math.max(1, Math.ceil(seconds)) });
      return t('wait.minutes', { count: Math.ceil(seconds / 60) });
    },
    [t],
  );
}

/** One state worth a glance, and whether it calls for attention. */
export interface StateWord {
  text: string;
  warn: boolean;
}

/** An operator's states in words: disabled, locked, must change password; else active. */
export function useOperatorState(): (operator: Operator) => StateWord[] {
  const { t } = useT('operators');
  const wait = useWaitText();
  return useCallback(
    (o) => {
      const states: StateWord[] = [];
      if (o.disabled) states.push({ text: t('operators.disabled'), warn: true });
      if (o.lockedForSeconds > 0)
        states.push({ text: t('operators.locked', { wait: wait(o.lockedForSeconds) }), warn: true });
      if (o.mustChangePassword) states.push({ text: t('operators.mustChange'), warn: true });
      return states.length ? states : [{ text: t('operators.active'), warn: false }];
    },
    [t, wait],
  );
}

/** Where a role applies, in words: "Whole site", "Only zones 3, 4; doors 12". */
export function usePartitionText(): (partition: Partition) => string {
  const { t } = useT('operators');
  return useCallback(
    (partition) => {
      if (!partition) return t('roles.wholeSite');
      const parts = [
        partition.zoneIds.length ? t('roles.zones', { ids: partition.zoneIds.join(', ') }) : '',
        partition.doorIds.length ? t('roles.doors', { ids: partition.doorIds.join(', ') }) : '',
      ].filter(Boolean);
      return parts.length ? t('roles.only', { parts: parts.join('; ') }) : t('roles.nowhere');
    },
    [t],
  );
}
