import { Paper, Stack, Text } from '@mantine/core';
import { ProgressBar } from '../../components/progress-bar.js';
import { CardStep } from '../../../../app/contract/methods/operations.js';
import { useT } from '../../i18n/i18n.js';
import type { CardMethod, RunningCard } from './use-card-operation.js';

/** The steps each card call is expected to go through, before the service reports any. */
const EXPECTED: Record<CardMethod, readonly CardStep[]> = {
  'encoder.encode': ['detect', 'authenticate', 'format', 'write', 'verify'],
  'encoder.update': ['detect', 'authenticate', 'write', 'verify'],
  'encoder.cancel': ['detect', 'authenticate', 'write', 'verify'],
  'encoder.erase': ['detect', 'authenticate', 'format', 'verify'],
  'encoder.read': ['detect', 'authenticate'],
};

const order = (s: CardStep) => CardStep.options.indexOf(s);

/** The steps to show: those expected of the call and any other the service reported, in order. */
export function stepsOf(running: Pick<RunningCard, 'method' | 'seen'>): CardStep[] {
  return [...new Set([...EXPECTED[running.method], ...running.seen])].sort((a, b) => order(a) - order(b));
}

/** Where a step is: done, in progress, passed without being needed (no format on a formatted card), to do. */
type StepState = 'done' | 'now' | 'skipped' | 'todo';

function stateOf(s: CardStep, running: RunningCard): StepState {
  const now = running.progress?.step;
  const finished = running.progress?.stage === 'done';
  if (s === now && !finished) return 'now';
  const passed = finished || (now !== undefined && order(s) < order(now));
  if (!passed) return 'todo';
  return running.seen.includes(s) ? 'done' : 'skipped';
}

/**
 * A card operation under way: its steps (detect → authenticate → format → write → verify) with the
 * one in progress marked (a step the call did not need is marked so, rather than left out), a bar of steps done, where it is in words (a polite live region: the list
 * and the bar alone say nothing to a screen reader between updates) and Cancel while the service can
 * still stop it. A native `<progress>`, which needs no inline style the console CSP would refuse.
 */
export function CardProgress({ running, onCancel }: { running: RunningCard; onCancel: () => void }) {
  const { t } = useT('encoder');
  const p = running.progress;
  const steps = stepsOf(running);
  const now = p?.step;
  const committed = p?.stage === 'writing' || p?.stage === 'done';
  const total = p?.total || steps.length;
  const done = Math.min(p?.done ?? 0, total);
  const what = t(`progress.methods.${running.method}`);
  const stepName = now ? t(`progress.step.${now}`) : '';
  const n = Math.min(done + 1, total);
  const words = !p
    ? t('progress.starting')
    : committed
      ? t('progress.writing', { n, total, step: stepName })
      : t('progress.at', { n, total, step: stepName });

  return (
    <Paper withBorder p="md" className="encoder-progress" aria-label={t('progress.label')} role="group">
      <Stack gap="sm">
        <Text fw={600}>{what}</Text>
        <ol className="encoder-steps" aria-label={t('progress.steps')}>
          {steps.map((s) => {
            const state = stateOf(s, running);
            return (
              <li key={s} data-state={state} aria-current={state === 'now' ? 'step' : undefined}>
                {t(`progress.step.${s}`)}
                {state === 'todo' ? null : (
                  <span className="visually-hidden"> ({t(`progress.state.${state}`)})</span>
                )}
              </li>
            );
          })}
        </ol>
        <ProgressBar
          label={t('progress.label')}
          max={total || 1}
          // Indeterminate until the service reports the first step.
          value={p ? done : undefined}
          words={words}
          cancel={{
            text: running.cancelling ? t('progress.cancelling') : t('progress.cancel'),
            label: t('progress.cancelNamed', { what }),
            disabled: committed || running.cancelling,
            onClick: onCancel,
          }}
        />
      </Stack>
    </Paper>
  );
}
