import {
  NativeSelect,
  SegmentedControl,
  useMantineColorScheme,
  type MantineColorScheme,
} from '@mantine/core';
import { LANGUAGES, currentLanguage, setLanguage, useT, type Language } from '../i18n/i18n.js';

/** The language picker: each language named in itself. */
export function LanguagePicker() {
  const { t } = useT();
  return (
    <NativeSelect
      aria-label={t('language')}
      size="xs"
      value={currentLanguage()}
      data={Object.entries(LANGUAGES).map(([value, label]) => ({ value, label }))}
      onChange={(e) => setLanguage(e.currentTarget.value as Language)}
    />
  );
}

/** Light, dark or as the system; Mantine remembers the choice. */
export function ThemePicker() {
  const { t } = useT();
  // keepTransitions: otherwise Mantine pauses transitions with a <style> element, which the CSP refuses.
  const { colorScheme, setColorScheme } = useMantineColorScheme({ keepTransitions: true });
  return (
    <SegmentedControl
      aria-label={t('theme.label')}
      size="xs"
      value={colorScheme}
      onChange={(v) => setColorScheme(v as MantineColorScheme)}
      data={[
        { value: 'light', label: t('theme.light') },
        { value: 'dark', label: t('theme.dark') },
        { value: 'auto', label: t('theme.auto') },
      ]}
    />
  );
}
