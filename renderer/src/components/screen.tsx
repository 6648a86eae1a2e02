import { Paper, Stack, Text, Title } from '@mantine/core';
import { useEffect, useRef, type ReactNode } from 'react';
import { useT } from '../i18n/i18n.js';
import { LanguagePicker, ThemePicker } from './shell-controls.js';
import './screen.css';

/**
 * One full screen outside the console (setup, login, a forced password change): a header with the
 * language and theme pickers, a main landmark and its heading. The heading takes focus when the screen
 * appears, so keyboard and screen-reader users start at the top of what changed.
 */
export function Screen({
  title,
  actions,
  children,
}: {
  title: string;
  /** Shown at the end of the header (who is logged in, Log out). */
  actions?: ReactNode;
  children: ReactNode;
}) {
  const { t } = useT();
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    heading.current?.focus();
  }, []);
  return (
    <div className="frame">
      <header className="frame-header">
        <Text fw={700} size="lg">
          {t('brand')}
        </Text>
        <div className="frame-tools">
          <LanguagePicker />
          <ThemePicker />
          {actions}
        </div>
      </header>
      <main className="frame-main">
        <Paper className="frame-card" withBorder radius="md" p="xl">
          <Stack gap="md">
            <Title order={1} ref={heading} tabIndex={-1}>
              {title}
            </Title>
            {children}
          </Stack>
        </Paper>
      </main>
    </div>
  );
}
