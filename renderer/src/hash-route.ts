import { useSyncExternalStore } from 'react';

/** The section a hash names: `#/operators` → `operators`; nothing → `home`. */
export function routeOf(hash: string): string {
  return hash.replace(/^#\/?/, '').split(/[/?]/)[0] || 'home';
}

function subscribe(onChange: () => void): () => void {
  window.addEventListener('hashchange', onChange);
  return () => window.removeEventListener('hashchange', onChange);
}

/**
 * The current section, from the URL hash: reloading keeps the place, Back works, and the same build
 * runs from https:// and the desktop shell's app:// without a router or server-side routes.
 */
export function useHashRoute(): string {
  return useSyncExternalStore(subscribe, () => routeOf(window.location.hash));
}

/** Forgets the section (at logout), so the next operator starts at home. */
export function clearRoute(): void {
  if (window.location.hash) history.replaceState(null, '', window.location.pathname + window.location.search);
}
