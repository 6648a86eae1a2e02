import { useMemo } from 'react';
import type { LockVisitReason, OfflineLock } from '../../../../app/contract/methods/locks.js';
import { currentLanguage, useT } from '../../i18n/i18n.js';

/** Below this a lock's battery is called low (the Service's own threshold for the `battery` reason). */
export const LOW_BATTERY_PERCENT = 20;

/** Whether a lock needs a visit (the Service says why in `needs`). */
export function needsVisit(lock: OfflineLock): boolean {
  return lock.needs.length > 0;
}

/** The words of the offline locks screen for what a lock's last visit found. */
export function useLockWords() {
  const { t } = useT('locks');
  return useMemo(() => {
    const number = new Intl.NumberFormat(currentLanguage());
    return {
      /** Its battery: "85 %", "12 % (low)", "—" before the first visit. */
      battery(lock: OfflineLock): string {
        if (lock.battery === null) return t('lock.unknown');
        const percent = number.format(lock.battery);
        return lock.battery < LOW_BATTERY_PERCENT
          ? t('lock.batteryLow', { percent })
          : t('lock.battery', { percent });
      },
      /** Its clock against the PPD's when last set: "3 s fast", "40 s slow", "In step". */
      clock(lock: OfflineLock): string {
        const drift = lock.clockDriftSeconds;
        if (drift === null) return t('lock.unknown');
        if (drift === 0) return t('lock.inStep');
        const seconds = number.format(Math.abs(drift));
        return drift > 0 ? t('lock.fast', { seconds }) : t('lock.slow', { seconds });
      },
      /** Its blacklist against the site's: "Up to date", "3 cancellations behind". */
      blacklist(lock: OfflineLock): string {
        const behind = lock.currentBlacklistSeq - lock.blacklistSeq;
        return behind <= 0 ? t('lock.upToDate') : t('lock.behind', { count: behind });
      },
      /** Its blacklist's sequence against the site's: "entry 40 of 43". */
      blacklistSeq(lock: OfflineLock): string {
        return t('lock.seq', {
          seq: number.format(lock.blacklistSeq),
          current: number.format(lock.currentBlacklistSeq),
        });
      },
      /** How full its blacklist is: "40 of 500 entries". */
      blacklistSize(lock: OfflineLock): string {
        const size = number.format(lock.blacklistSize);
        return lock.blacklistCapacity === null
          ? t('lock.sizeOnly', { size })
          : t('lock.size', { size, capacity: number.format(lock.blacklistCapacity) });
      },
      /** Why it needs a visit, as a sentence that says what to do. */
      reason(lock: OfflineLock, reason: LockVisitReason): string {
        switch (reason) {
          case 'configuration':
            return t('reasons.configuration', { revision: lock.revision, current: lock.currentRevision });
          case 'blacklist':
            return t('reasons.blacklist', {
              count: Math.max(0, lock.currentBlacklistSeq - lock.blacklistSeq),
            });
          case 'blacklist-full':
            return t('reasons.blacklist-full', {
              size: number.format(lock.blacklistSize),
              capacity:
                lock.blacklistCapacity === null ? t('lock.unknown') : number.format(lock.blacklistCapacity),
            });
          default:
            return t(`reasons.${reason}`);
        }
      },
    };
  }, [t]);
}
