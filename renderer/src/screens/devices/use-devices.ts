import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import type { Device } from '../../../../app/contract/methods/devices.js';
import type { ResultOf } from '../../../../app/contract/index.js';
import { call, subscribe } from '../../rpc/client.js';
import { throttledReread } from '../../rpc/throttled-reread.js';
import { saying } from '../events/said-failure.js';

/** Where devices.list is cached: replaced device by device by `devices.changed`. */
export const DEVICES_KEY = ['devices.list', {}] as const;

/** What devices.list answers. */
export type DeviceList = ResultOf<'devices.list'>;

/**
 * The slowest the list is read again on its own, in case an event was missed (a stream reconnecting):
 * never faster than every 10 s, as the brief of the screen asks; the live event does the rest.
 */
export const DEVICES_POLL_MS = 30_000;
/** The soonest the whole list is read again after a live event (a removal, the link's counters). */
export const DEVICES_REREAD_MS = 10_000;

/** Keeps the newer of two readings of a device (an event and an answer can arrive in either order). */
function newer(current: Device, next: Device): Device {
  return Date.parse(current.updatedAt) > Date.parse(next.updatedAt) ? current : next;
}

/** Puts a device as an event reported it into the cached list (a new one at the end). */
export function mergeDevice(list: DeviceList | undefined, device: Device): DeviceList | undefined {
  if (!list) return list;
  const at = list.devices.findIndex((d) => d.id === device.id);
  const devices =
    at < 0 ? [...list.devices, device] : list.devices.map((d, i) => (i === at ? newer(d, device) : d));
  return { ...list, devices };
}

/**
 * The gateways and control units, read through TanStack Query under {@link DEVICES_KEY}. `failure`
 * words a failed read (and leaves when the session ended); `enabled: false` reads nothing.
 */
export function useDevices(failure: (err: unknown) => string | undefined, enabled = true) {
  return useQuery({
    queryKey: DEVICES_KEY,
    queryFn: () => saying(failure, () => call('devices.list', {})),
    enabled,
    // Only while the page is shown (TanStack Query pauses in the background).
    refetchInterval: DEVICES_POLL_MS,
    staleTime: 5_000,
  });
}

/**
 * Keeps the cached devices live from `devices.changed`: the device reported replaces its row at once
 * (its state, readers and doors), and the whole list is read again soon after (a removal says no more
 * than the device it was; the Service's own counters change too), at most every 10 s. Call it once
 * per screen.
 */
export function useLiveDevices(): void {
  const queryClient = useQueryClient();
  useEffect(() => {
    const reread = throttledReread(queryClient, DEVICES_KEY, DEVICES_REREAD_MS);
    const unsubscribe = subscribe('devices.changed', (e) => {
      queryClient.setQueryData<DeviceList>(DEVICES_KEY, (old) => mergeDevice(old, e.payload));
      reread.request();
    });
    return () => {
      unsubscribe();
      reread.stop();
    };
  }, [queryClient]);
}
