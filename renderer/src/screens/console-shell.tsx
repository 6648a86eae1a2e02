import { Group, NavLink as NavItem, Stack, Text, Title } from '@mantine/core';
import { Suspense, useCallback, useEffect, useRef, useState } from 'react';
import { Trans } from 'react-i18next';
import { NavLink, Navigate, Route, Routes, useLocation } from 'react-router';
import type { Permission } from '../../../app/contract/permissions.js';
import { ErrorAlert } from '../components/alert.js';
import { LanguagePicker, ThemePicker } from '../components/shell-controls.js';
import { WhoBar } from '../components/who-bar.js';
import { errorText, isRpcError } from '../error-text.js';
import { useT } from '../i18n/i18n.js';
import { call, subscribe } from '../rpc/client.js';
import type { Section } from '../section.js';
import { SiteTimeProvider } from '../site-time.js';
import { comingSections, sections } from '../sections.js';
import type { Session } from './login-screen.js';
import type { Site } from './site-rename-form.js';

/** Keeps the newer of two readings of the site (events and answers can arrive in either order). */
function newer(current: Site | undefined, next: Site): Site {
  return current && current.version > next.version ? current : next;
}

/** A section's heading; it takes focus when the section opens, so keyboard users start at the top. */
function SectionTitle({ children }: { children: string }) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), []);
  return (
    <Title order={1} ref={heading} tabIndex={-1} mb="md">
      {children}
    </Title>
  );
}

/**
 * The logged-in console: a header (site, language, theme, who is logged in), the sections their
 * permissions allow as navigation, and the open one as a route. Failed calls that mean the session no
 * longer serves are handled here, once, for every section.
 */
export function ConsoleShell({
  session,
  onLoggedOut,
  onPasswordChangeRequired,
  onSessionRenewed,
}: {
  session: Session;
  onLoggedOut: (notice?: string) => void;
  onPasswordChangeRequired: () => void;
  onSessionRenewed: (session: Session) => void;
}) {
  const { t } = useT();
  const [site, setSite] = useState<Site>();
  const [error, setError] = useState<string>();
  const location = useLocation();
  const { operator } = session;

  const can = useCallback((p: Permission) => operator.permissions.includes(p), [operator.permissions]);
  const readsSite = can('site:read');

  const failure = useCallback(
    (err: unknown): string | undefined => {
      if (isRpcError(err, 'UNAUTHENTICATED')) {
        onLoggedOut(t('sessionEnded'));
        return undefined;
      }
      if (isRpcError(err, 'PASSWORD_CHANGE_REQUIRED')) {
        onPasswordChangeRequired();
        return undefined;
      }
      return errorText(err);
    },
    [onLoggedOut, onPasswordChangeRequired, t],
  );

  useEffect(() => {
    if (!readsSite) return;
    let live = true;
    // Subscribe before reading, so a change made in between is not missed.
    const unsubscribe = subscribe('site.updated', (e) => setSite((cur) => newer(cur, e.payload)));
    call('site.get', {}).then(
      (s) => {
        if (live) setSite((cur) => newer(cur, s));
      },
      (err: unknown) => {
        if (live) setError(failure(err));
      },
    );
    return () => {
      live = false;
      unsubscribe();
    };
  }, [readsSite, failure]);

  const visible = sections.filter((s) => !s.permission || can(s.permission));
  const roleNames = operator.roles.map((r) => r.name).join(', ') || t('noRole');
  const titleOf = (s: Section) =>
    s.id === 'home'
      ? (site?.name ?? (readsSite ? t('loadingSite') : t('brand')))
      : s.title
        ? t(`titles.${s.title}`)
        : t(`nav.${s.label}`);
  const screen = (s: Section) => {
    const { Component } = s;
    return (
      // A new section is a new screen: its heading takes focus, its state starts fresh.
      <Stack key={s.id} gap={0}>
        <SectionTitle>{titleOf(s)}</SectionTitle>
        <ErrorAlert mb="sm">{error}</ErrorAlert>
        <Suspense fallback={<Text c="dimmed">{t('loading')}</Text>}>
          <Component
            session={session}
            site={site}
            can={can}
            failure={failure}
            onSiteChanged={(next) => setSite((cur) => newer(cur, next))}
            onSessionRenewed={onSessionRenewed}
          />
        </Suspense>
      </Stack>
    );
  };

  return (
    // A CSS grid rather than Mantine's AppShell, which sizes itself with a <style> element the
    // console's Content-Security-Policy refuses.
    <div className="shell">
      <header className="shell-header">
        <Group h="100%" justify="space-between" wrap="nowrap">
          <Text fw={700} size="lg">
            {t('brand')}
          </Text>
          <Group gap="sm" wrap="nowrap">
            <LanguagePicker />
            <ThemePicker />
            <WhoBar onLoggedOut={onLoggedOut} onError={setError}>
              <Text size="sm" span>
                <Trans
                  t={t}
                  i18nKey="loggedInAs"
                  values={{ name: operator.displayName, username: operator.username, roles: roleNames }}
                  components={{ strong: <strong /> }}
                />
              </Text>
            </WhoBar>
          </Group>
        </Group>
      </header>
      <nav className="shell-nav" aria-label={t('nav.label')}>
        {visible.map((s) => (
          <NavItem
            key={s.id}
            component={NavLink}
            to={`/${s.id}`}
            label={t(`nav.${s.label}`)}
            // Filled: the light variant's blue on pale blue is below WCAG AA contrast.
            variant="filled"
            active={location.pathname === `/${s.id}` || (s.id === 'home' && location.pathname === '/')}
          />
        ))}
        {/* Not links yet: the device screens arrive with their hardware support. */}
        {comingSections.length ? (
          <div className="shell-coming" role="group" aria-labelledby="coming-devices">
            <Text id="coming-devices" size="sm" fw={600}>
              {t('nav.devices')}
            </Text>
            <ul>
              {comingSections.map((id) => (
                <li key={id}>{t(`nav.${id}`)}</li>
              ))}
            </ul>
            <Text size="xs" className="shell-coming-note">
              {t('nav.comingLater')}
            </Text>
          </div>
        ) : null}
      </nav>
      <main className="shell-main">
        <SiteTimeProvider timeZone={site?.timeZone}>
          <Routes>
            <Route path="/" element={screen(visible[0]!)} />
            {visible.map((s) => (
              <Route key={s.id} path={`/${s.id}`} element={screen(s)} />
            ))}
            <Route path="*" element={<Navigate to="/" replace />} />
          </Routes>
        </SiteTimeProvider>
      </main>
    </div>
  );
}
