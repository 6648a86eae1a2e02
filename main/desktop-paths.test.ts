import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultKeyFile } from '../app/site/paths.js';
import { desktopSitePaths } from './desktop-paths.js';

const home = '/home/op';
const userData = '/home/op/.config/Lintel';

describe('desktopSitePaths', () => {
  it('keeps the site in userData/data and the key file outside it', () => {
    const p = desktopSitePaths({ userData, isPackaged: true, env: {}, platform: 'linux', home });
    expect(p.dataDir).toBe(path.join(userData, 'data'));
    expect(p.keyFile).toBe(defaultKeyFile(p.dataDir, {}, 'linux', home));
    expect(path.relative(p.dataDir, p.keyFile).startsWith('..')).toBe(true);
  });

  it('lets development point at another site and key, but not an installed app', () => {
    const env = { LINTEL_DATA_DIR: '/tmp/dev-site', LINTEL_KEY_FILE: '/tmp/dev.key' };
    expect(desktopSitePaths({ userData, isPackaged: false, env, platform: 'linux', home })).toEqual({
      dataDir: '/tmp/dev-site',
      keyFile: '/tmp/dev.key',
    });
    const installed = desktopSitePaths({ userData, isPackaged: true, env, platform: 'linux', home });
    expect(installed.dataDir).toBe(path.join(userData, 'data'));
    expect(installed.keyFile).not.toBe('/tmp/dev.key');
  });

  it('refuses a key file inside the data folder', () => {
    expect(() =>
      desktopSitePaths({
        userData,
        isPackaged: false,
        env: { LINTEL_DATA_DIR: '/tmp/site', LINTEL_KEY_FILE: '/tmp/site/site.key' },
        platform: 'linux',
        home,
      }),
    ).toThrow(/inside the data folder/);
  });
});
