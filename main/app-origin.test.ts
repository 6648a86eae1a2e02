import { describe, expect, it } from 'vitest';
import {
  APP_ENTRY_URL,
  APP_ORIGIN,
  isAllowedRequest,
  isAppUrl,
  isTrustedSender,
  loggableOrigin,
} from './app-origin.js';

describe('isAppUrl', () => {
  it('accepts the console origin', () => {
    expect(APP_ORIGIN).toBe('app://lintel');
    for (const url of [
      APP_ENTRY_URL,
      'app://lintel/',
      'app://lintel/assets/index-abc.js',
      'app://lintel/#/doors',
    ]) {
      expect(isAppUrl(url)).toBe(true);
    }
  });

  it('refuses every other origin, and look-alikes', () => {
    for (const url of [
      'https://lintel/',
      'http://localhost:5173/',
      'file:///index.html',
      'app://evil/',
      'app://lintel.evil.com/',
      'app://lintel:8080/',
      'app://user:pw@lintel/',
      'app://evil@lintel/',
      'lintel://app/',
      'javascript:alert(1)',
      'about:blank',
      '',
      'not a url',
    ]) {
      expect(isAppUrl(url), url).toBe(false);
    }
  });
});

describe('isTrustedSender', () => {
  const good = { url: 'app://lintel/index.html', origin: 'app://lintel', isTopFrame: true };

  it('trusts the console top frame', () => {
    expect(isTrustedSender(good)).toBe(true);
  });

  it('drops subframes, other origins, opaque origins and vanished frames', () => {
    expect(isTrustedSender({ ...good, isTopFrame: false })).toBe(false);
    expect(isTrustedSender({ ...good, origin: 'null' })).toBe(false);
    expect(isTrustedSender({ ...good, origin: 'https://evil.example' })).toBe(false);
    expect(isTrustedSender({ ...good, url: 'https://evil.example/' })).toBe(false);
    // about:blank inherits its opener's origin but is not the console's page.
    expect(isTrustedSender({ ...good, url: 'about:blank' })).toBe(false);
    expect(isTrustedSender({ ...good, url: '' })).toBe(false);
    expect(isTrustedSender(null)).toBe(false);
    expect(isTrustedSender(undefined)).toBe(false);
  });
});

describe('isAllowedRequest', () => {
  it('lets the console load its own files and data: images, and nothing remote', () => {
    const prod = { devTools: false };
    expect(isAllowedRequest('app://lintel/assets/a.js', prod)).toBe(true);
    expect(isAllowedRequest('data:image/png;base64,AAAA', prod)).toBe(true);
    for (const url of [
      'https://example.com/x.js',
      'http://127.0.0.1:8443/rpc',
      'wss://example.com/',
      'file:///etc/passwd',
      'ftp://example.com/',
      'devtools://devtools/bundled/inspector.html',
    ]) {
      expect(isAllowedRequest(url, prod), url).toBe(false);
    }
  });

  it('allows the developer tools only when they are enabled', () => {
    expect(isAllowedRequest('devtools://devtools/bundled/inspector.html', { devTools: true })).toBe(true);
    expect(isAllowedRequest('https://chrome-devtools-frontend.appspot.com/', { devTools: true })).toBe(false);
  });
});

describe('loggableOrigin', () => {
  it('keeps scheme and host only', () => {
    expect(loggableOrigin('https://evil.example/path?token=secret#x')).toBe('https://evil.example');
    expect(loggableOrigin('about:blank')).toBe('about:');
    expect(loggableOrigin('::')).toBe('(unparseable url)');
  });
});
