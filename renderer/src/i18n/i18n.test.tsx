import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { LanguagePicker, ThemePicker } from '../components/shell-controls.js';
import { renderInConsole } from '../test-render.js';
import { i18n, setLanguage } from './i18n.js';
import { resources } from './resources.js';
import type { StringTree } from './strings.js';

/** Every key path of a tree of strings, with its value. */
function leaves(tree: StringTree, prefix = ''): [string, string][] {
  return Object.entries(tree).flatMap(([k, v]) =>
    typeof v === 'string' ? [[`${prefix}${k}`, v] as [string, string]] : leaves(v, `${prefix}${k}.`),
  );
}

/** The {{placeholders}} and <tags> a string uses, sorted. */
const slots = (s: string) => [...s.matchAll(/\{\{\s*(\w+)\s*\}\}|<\/?(\w+)>/g)].map((m) => m[0]).sort();

describe('the console strings', () => {
  it.each(Object.entries(resources))(
    '%s: Spanish says everything English does, with the same slots',
    (_ns, r) => {
      const en = new Map(leaves(r.en));
      const es = new Map(leaves(r.es as StringTree));
      expect([...es.keys()].sort()).toEqual([...en.keys()].sort());
      for (const [key, text] of en) {
        expect(text.trim(), key).not.toBe('');
        expect(es.get(key)!.trim(), key).not.toBe('');
        expect(slots(es.get(key)!), key).toEqual(slots(text));
      }
    },
  );
});

describe('language and theme pickers', () => {
  it('switch the language, remember it and tell assistive tech', async () => {
    setLanguage('en');
    renderInConsole(<LanguagePicker />);
    await userEvent.selectOptions(screen.getByRole('combobox', { name: 'Language' }), 'Español');
    expect(i18n.resolvedLanguage).toBe('es');
    expect(localStorage.getItem('lintel.language')).toBe('es');
    expect(document.documentElement.lang).toBe('es');
    expect(await screen.findByRole('combobox', { name: 'Idioma' })).toBeDefined();
    setLanguage('en');
  });

  it('switch to dark and mark the document for the stylesheets', async () => {
    renderInConsole(<ThemePicker />);
    await userEvent.click(screen.getByText('Dark'));
    expect(document.documentElement.getAttribute('data-mantine-color-scheme')).toBe('dark');
    await userEvent.click(screen.getByText('Light'));
    expect(document.documentElement.getAttribute('data-mantine-color-scheme')).toBe('light');
  });
});
