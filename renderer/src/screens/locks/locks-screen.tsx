import { Button, Checkbox, Paper, Stack, Text, Title } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useId, useMemo, useState } from 'react';
import { ErrorAlert } from '../../components/alert.js';
import { useT } from '../../i18n/i18n.js';
import type { SectionProps } from '../../section.js';
import { saidOf } from '../events/said-failure.js';
import { LockTable } from './lock-table.js';
import { needsVisit } from './lock-words.js';
import { PpdPanel } from './ppd-panel.js';
import { RoundsHistory } from './rounds-history.js';
import { LOCKS_KEY, ROUNDS_KEY, useLiveLocks, useLocks, useRounds } from './use-locks.js';
import './locks.css';

/**
 * Offline locks and the Portable Programming Device. The locks (doors:read), each as its last PPD
 * visit found it and why it needs a visit, in words that say what to do, kept live by `locks.changed`;
 * a filter for those that need a visit. Technicians (ppd:use) select the locks to visit, load the round
 * into the PPD on a serial port (with an emergency opening for ppd:emergency), sync it when it comes
 * back, and see the rounds loaded lately; administrators (settings:admin) pair a new PPD.
 */
export function LocksScreen({ can, failure }: SectionProps) {
  const { t } = useT('locks');
  const queryClient = useQueryClient();
  const listHeading = useId();
  const canPpd = can('ppd:use');
  const list = useLocks(failure);
  useLiveLocks();
  const rounds = useRounds(failure, canPpd);
  const [onlyNeeding, setOnlyNeeding] = useState(false);
  const [chosen, setChosen] = useState<ReadonlySet<number>>(new Set());

  const locks = list.data?.locks;
  const names = useMemo(() => new Map((locks ?? []).map((l) => [l.doorId, l.doorName])), [locks]);
  // A lock that left the list (its door deleted or no longer offline) leaves the selection too.
  const selected = useMemo(
    () => (locks ?? []).filter((l) => chosen.has(l.doorId)).map((l) => l.doorId),
    [locks, chosen],
  );
  const shown = locks && onlyNeeding ? locks.filter(needsVisit) : locks;

  const toggle = (doorId: number, on: boolean) =>
    setChosen((old) => {
      const next = new Set(old);
      if (on) next.add(doorId);
      else next.delete(doorId);
      return next;
    });
  const reread = () => {
    void queryClient.invalidateQueries({ queryKey: LOCKS_KEY, exact: true });
    void queryClient.invalidateQueries({ queryKey: ROUNDS_KEY, exact: true });
  };

  return (
    <Stack gap="md" className="locks-screen">
      <Text size="sm" className="locks-muted">
        {t('hint')}
      </Text>
      <Paper component="section" withBorder p="md" aria-labelledby={listHeading}>
        <Title order={2} size="h3" id={listHeading} mb="sm">
          {t('title')}
        </Title>
        <ErrorAlert mb="sm">{saidOf(list.error)}</ErrorAlert>
        {locks === undefined ? (
          list.error ? null : (
            <Text size="sm">{t('loading')}</Text>
          )
        ) : locks.length === 0 ? (
          <Text size="sm" role="status">
            {t('none')}
          </Text>
        ) : (
          <Stack gap="sm">
            <div className="locks-toolbar">
              <Checkbox
                label={t('needsVisit')}
                checked={onlyNeeding}
                onChange={(e) => setOnlyNeeding(e.currentTarget.checked)}
              />
              {canPpd ? (
                <>
                  <Button
                    variant="default"
                    size="compact-sm"
                    disabled={!locks.some(needsVisit)}
                    onClick={() => setChosen(new Set(locks.filter(needsVisit).map((l) => l.doorId)))}
                  >
                    {t('selection.needing')}
                  </Button>
                  <Button
                    variant="default"
                    size="compact-sm"
                    disabled={selected.length === 0}
                    onClick={() => setChosen(new Set())}
                  >
                    {t('selection.clear')}
                  </Button>
                  <Text size="sm" role="status">
                    {t('selection.count', { count: selected.length })}
                  </Text>
                </>
              ) : null}
            </div>
            {shown && shown.length > 0 ? (
              <LockTable
                locks={shown}
                total={locks.length}
                needing={locks.filter(needsVisit).length}
                selection={canPpd ? { selected: new Set(selected), onToggle: toggle } : undefined}
              />
            ) : (
              <Text size="sm" role="status">
                {t('allVisited')}
              </Text>
            )}
          </Stack>
        )}
      </Paper>
      {canPpd ? (
        <>
          <PpdPanel
            locks={locks ?? []}
            selected={selected}
            canPair={can('settings:admin')}
            canEmergency={can('ppd:emergency')}
            failure={failure}
            onChanged={reread}
          />
          <RoundsHistory rounds={rounds.data?.rounds} error={rounds.error} names={names} />
        </>
      ) : (
        <Text size="sm">{t('ppd.noPermission')}</Text>
      )}
    </Stack>
  );
}
