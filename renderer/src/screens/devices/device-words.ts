import { useQuery } from '@tanstack/react-query';
import { useCallback, useMemo } from 'react';
import type { Device } from '../../../../app/contract/methods/devices.js';
import { currentLanguage, useT } from '../../i18n/i18n.js';
import { call } from '../../rpc/client.js';

/** A reader as its control unit last reported it. */
type ReaderState = Device['readerStates'][number];
/** A door as its control unit drives it now. */
type DoorRuntimeState = Device['doorStates'][number];

/** The online doors, by name, as readers and commands name them (the first 500). */
export const ONLINE_DOORS = { kind: 'online', sort: 'name', limit: 500 } as const;

/** The names of the site's online doors, by id (empty until read; a read that fails names none). */
export function useOnlineDoorNames(enabled = true): Map<number, string> {
  const doors = useQuery({
    queryKey: ['doors.list', ONLINE_DOORS],
    queryFn: () => call('doors.list', ONLINE_DOORS),
    enabled,
  });
  return useMemo(() => new Map((doors.data?.items ?? []).map((d) => [d.id, d.name])), [doors.data]);
}

/** A door's name, or "#id" when it is not among those read. */
export function doorName(names: Map<number, string>, id: number): string {
  return names.get(id) ?? `#${id}`;
}

/** The words of the devices screen for what devices report. */
export function useDeviceWords() {
  const { t } = useT('devices');
  return useMemo(() => {
    const number = new Intl.NumberFormat(currentLanguage(), { maximumFractionDigits: 1 });
    return {
      /** Its configuration against the site's: "Up to date", "3 behind", "Not received yet". */
      revision(d: Device): string {
        if (d.revision === null) return t('revision.never');
        const behind = d.currentRevision - d.revision;
        return behind <= 0 ? t('revision.upToDate') : t('revision.behind', { count: behind });
      },
      /** Its clock against the Service's: "1.2 s ahead", "250 ms behind", "In step". */
      clock(offsetMs: number | null): string {
        if (offsetMs === null) return t('unknown');
        const size = Math.abs(offsetMs);
        if (size === 0) return t('clock.exact');
        const offset =
          size < 1000
            ? t('clock.milliseconds', { value: number.format(size) })
            : t('clock.seconds', { value: number.format(size / 1000) });
        return offsetMs > 0 ? t('clock.ahead', { offset }) : t('clock.behind', { offset });
      },
      /** A reader's link: secure, not secure, offline. */
      channel(r: ReaderState | undefined): string {
        if (!r) return t('readers.notReported');
        if (!r.online) return t('readers.offline');
        return r.secure ? t('readers.secure') : t('readers.notSecure');
      },
      /** What a door is doing now: "Closed, locked", "Open, unlocked, office mode". */
      door(s: DoorRuntimeState): string {
        return [
          s.open ? t('doorState.open') : t('doorState.closed'),
          s.unlocked ? t('doorState.unlocked') : t('doorState.locked'),
          ...(s.office ? [t('doorState.office')] : []),
          ...(s.lockdown ? [t('doorState.lockdown')] : []),
        ].join(', ');
      },
      /** Refusal counters, largest first ("forged: 3, replayed: 1"), or "None". */
      refused(counts: Record<string, number>): string {
        const items = Object.entries(counts)
          .filter(([, n]) => n > 0)
          .sort(([a, x], [b, y]) => y - x || a.localeCompare(b));
        return items.length
          ? items.map(([reason, count]) => t('refused.item', { reason, count })).join(', ')
          : t('refused.none');
      },
    };
  }, [t]);
}

/** Where the device serving a door is, and what it reports of it. */
export interface DoorLive {
  device: Device;
  state: DoorRuntimeState | undefined;
}

/** The control unit serving each door (by a reader), with the door's reported state. */
export function useDoorsLive(
  devices: readonly Device[] | undefined,
): (doorId: number) => DoorLive | undefined {
  const byDoor = useMemo(() => {
    const map = new Map<number, DoorLive>();
    for (const device of devices ?? [])
      for (const r of device.readers)
        map.set(r.doorId, { device, state: device.doorStates.find((s) => s.doorId === r.doorId) });
    return map;
  }, [devices]);
  return useCallback((doorId: number) => byDoor.get(doorId), [byDoor]);
}
