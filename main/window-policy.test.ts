import { describe, expect, it } from 'vitest';
import type { MenuItemConstructorOptions } from 'electron';
import { menuTemplate, secureWebPreferences } from './window-policy.js';

describe('secureWebPreferences', () => {
  it('follows the Electron security checklist', () => {
    const p = secureWebPreferences('/app/dist/main/preload.cjs', false);
    expect(p).toMatchObject({
      preload: '/app/dist/main/preload.cjs',
      sandbox: true,
      contextIsolation: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      experimentalFeatures: false,
      spellcheck: false,
      devTools: false,
    });
  });

  it('enables the developer tools only when asked (development)', () => {
    expect(secureWebPreferences('p', true).devTools).toBe(true);
  });
});

function roles(items: MenuItemConstructorOptions[]): string[] {
  return items.flatMap((i) => [
    ...(i.role ? [i.role] : []),
    ...(Array.isArray(i.submenu) ? roles(i.submenu) : []),
  ]);
}

function labels(items: MenuItemConstructorOptions[]): string[] {
  return items.flatMap((i) => [
    ...(i.label ? [i.label] : []),
    ...(Array.isArray(i.submenu) ? labels(i.submenu) : []),
  ]);
}

describe('menuTemplate', () => {
  const calls: string[] = [];
  const actions = { about: () => calls.push('about'), showSetupToken: () => calls.push('setup') };

  it('has the edit roles and no developer tools in an installed app', () => {
    for (const isMac of [false, true]) {
      const t = menuTemplate({ isMac, devTools: false, actions });
      expect(roles(t)).toContain('editMenu');
      expect(roles(t)).not.toContain('toggleDevTools');
      expect(labels(t)).toContain('Show Setup Token…');
      expect(labels(t)).toContain('About Lintel');
    }
  });

  it('offers the developer tools in development', () => {
    expect(roles(menuTemplate({ isMac: false, devTools: true, actions }))).toContain('toggleDevTools');
  });

  it('puts quit in the app menu on macOS and in File elsewhere', () => {
    const mac = menuTemplate({ isMac: true, devTools: false, actions });
    expect(mac[0]!.label).toBe('Lintel');
    expect(roles([mac[0]!])).toContain('quit');
    const other = menuTemplate({ isMac: false, devTools: false, actions });
    expect(other[0]!.label).toBe('File');
    expect(roles([other[0]!])).toContain('quit');
  });

  it('wires its own items to the actions', () => {
    const t = menuTemplate({ isMac: false, devTools: false, actions });
    const find = (
      items: MenuItemConstructorOptions[],
      label: string,
    ): MenuItemConstructorOptions | undefined =>
      items
        .flatMap((i) => [i, ...(Array.isArray(i.submenu) ? i.submenu : [])])
        .find((i) => i.label === label);
    const click = (label: string) => (find(t, label)!.click as () => void)();
    click('Show Setup Token…');
    click('About Lintel');
    expect(calls).toEqual(['setup', 'about']);
  });
});
