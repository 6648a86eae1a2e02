import { Button, Checkbox, Group, Popover, Stack, Text, TextInput, VisuallyHidden } from '@mantine/core';
import { useEffect, useId, useMemo, useRef, useState, type PointerEvent as ReactPointerEvent } from 'react';
import { Controller, useFieldArray, useFormContext, useFormState, useWatch } from 'react-hook-form';
import { DAY_TYPES, type DayType } from '../../../../app/contract/schedule-schemas.js';
import { useT } from '../../i18n/i18n.js';
import { hhmm } from '../../time-text.js';
import { useErrorText } from '../../forms/form-frame.js';
import type { TimePeriodFormInput } from './form-schemas.js';
import './schedules.css';
import {
  MAX_INTERVALS,
  SNAP,
  checkDay,
  clickSpan,
  copyDay,
  dragSpan,
  insertionIndex,
  intervalOf,
  minuteAt,
  moveSpan,
  otherDays,
  otherWeekdays,
  percentOf,
  resizeSpan,
  textOf,
  type Interval,
  type IntervalText,
} from './week.js';

/** The hours the ruler above the tracks names. */
const RULER_HOURS = [0, 3, 6, 9, 12, 15, 18, 21, 24];
/** How far (px) a pointer must travel before a press counts as a drag rather than a click. */
const DRAG_THRESHOLD = 3;

/**
 * The weekly editor of a time period, inside its react-hook-form: one row per day type with the 24
 * hours across and each interval drawn as a bar where it falls. A pointer adds an interval by
 * dragging across a row (or clicking it), moves a bar or drags its ends; the fields under each row
 * (start and end per interval, Add, Remove, Copy to other days) do everything from the keyboard and
 * are what assistive tech reads: the drawing is hidden from it, being the same facts again.
 */
export function WeeklyEditor({
  timeZone,
}: {
  /** The site's zone: the times are its wall-clock times. */ timeZone?: string | undefined;
}) {
  const { t } = useT('schedules');
  const [announcement, setAnnouncement] = useState('');
  const legend = useId();
  return (
    <div role="group" aria-labelledby={legend}>
      <Text id={legend} fw={600}>
        {t('editor.legend')}
      </Text>
      <Text size="sm" c="dimmed">
        {t('editor.hint')}
        {timeZone ? ` ${t('editor.zone', { zone: timeZone })}` : ''}
      </Text>
      <Text size="sm" c="dimmed" mb="xs">
        {t('editor.pointerHint')}
      </Text>
      <div className="tp-scroll">
        <div className="tp-week">
          <div className="tp-ruler" aria-hidden="true">
            <span />
            <div className="tp-hours">
              {RULER_HOURS.map((h) => (
                <span key={h} style={{ left: `${percentOf(h * 60)}%` }}>
                  {hhmm(h * 60)}
                </span>
              ))}
            </div>
            <span />
          </div>
          {DAY_TYPES.map((day) => (
            <DayRow key={day} day={day} onAnnounce={setAnnouncement} />
          ))}
        </div>
      </div>
      <VisuallyHidden role="status">{announcement}</VisuallyHidden>
    </div>
  );
}

/** One day type: its name, its track, Add and Copy, and its intervals as fields. */
function DayRow({ day, onAnnounce }: { day: DayType; onAnnounce: (text: string) => void }) {
  const { t, i18n } = useT('schedules');
  const errorText = useErrorText('schedules');
  const { control, getValues, setValue, setFocus, trigger } = useFormContext<TimePeriodFormInput>();
  const { fields, append, insert, remove } = useFieldArray({ control, name: `rules.${day}` });
  const rows = useWatch({ control, name: `rules.${day}` });
  // `errors` is read, so this re-renders when a save is tried (isSubmitted alone would not).
  const { errors, isSubmitted } = useFormState({ control, name: `rules.${day}` });
  const labelId = useId();
  const label = t(`days.${day}`);
  const inText = t(`daysInText.${day}`);
  const full = fields.length >= MAX_INTERVALS;
  const dayError = errors.rules?.[day]?.root?.message ?? errors.rules?.[day]?.message;
  const spanText = (s: Interval) => t('span', { start: hhmm(s.start), end: hhmm(s.end) });

  // Problems that span rows (an overlap) change with any row, so the whole day is checked again.
  const recheck = () => void trigger(`rules.${day}`);

  const create = (span: Interval) => {
    insert(insertionIndex(getValues(`rules.${day}`), span), textOf(span), { shouldFocus: false });
    recheck();
    onAnnounce(t('editor.added', { day: inText, span: spanText(span) }));
  };
  const change = (index: number, span: Interval) => {
    const { start, end } = textOf(span);
    const how = { shouldDirty: true, shouldTouch: true } as const;
    setValue(`rules.${day}.${index}.start`, start, how);
    setValue(`rules.${day}.${index}.end`, end, how);
    recheck();
    onAnnounce(t('editor.changed', { day: inText, n: index + 1, span: spanText(span) }));
  };
  const copy = (targets: DayType[]) => {
    const next = copyDay(getValues('rules'), day, targets);
    for (const d of targets) setValue(`rules.${d}`, next[d], { shouldDirty: true });
    void trigger(targets.map((d) => `rules.${d}` as const));
    const names = targets.map((d) => t(`daysInText.${d}`));
    const days = new Intl.ListFormat(i18n.resolvedLanguage, { type: 'conjunction' }).format(names);
    onAnnounce(t('editor.copied', { day: inText, days }));
  };

  return (
    <div className="tp-day" role="group" aria-labelledby={labelId} data-day={day}>
      <div className="tp-day-label" id={labelId}>
        {label}
      </div>
      <Track
        rows={rows ?? []}
        full={full}
        testId={`track-${day}`}
        onCreate={create}
        onChange={change}
        onPick={(i) => setFocus(`rules.${day}.${i}.start`)}
      />
      <Group gap={4} wrap="nowrap">
        <Button
          size="compact-xs"
          variant="default"
          aria-label={t('editor.addOn', { day: inText })}
          disabled={full}
          onClick={() => append({ start: '', end: '' })}
        >
          {t('editor.add')}
        </Button>
        <CopyDay day={day} onCopy={copy} />
      </Group>
      <div className="tp-day-intervals">
        {fields.length === 0 ? (
          <Text size="xs" c="dimmed">
            {t('editor.noAccess')}
          </Text>
        ) : null}
        {fields.map((f, i) => (
          <IntervalFields
            key={f.id}
            day={day}
            index={i}
            name={t('editor.interval', { day: label, n: i + 1 })}
            submitted={isSubmitted}
            onEdited={recheck}
            onRemove={() => {
              remove(i);
              recheck();
            }}
          />
        ))}
        {full ? (
          <Text size="xs" c="dimmed">
            {t('editor.full', { max: MAX_INTERVALS })}
          </Text>
        ) : null}
        {dayError ? (
          <Text size="xs" className="sched-error" role="alert">
            {errorText(dayError)}
          </Text>
        ) : null}
      </div>
    </div>
  );
}

/**
 * One interval's start and end, grouped under its name ("Monday, interval 2"), and Remove. A time's
 * problem shows once the operator has left the field or tried to save.
 */
function IntervalFields({
  day,
  index,
  name,
  submitted,
  onEdited,
  onRemove,
}: {
  day: DayType;
  index: number;
  name: string;
  /** Whether saving was tried: every problem shows from then on. */
  submitted: boolean;
  onEdited: () => void;
  onRemove: () => void;
}) {
  const { t } = useT('schedules');
  const errorText = useErrorText('schedules');
  const { control } = useFormContext<TimePeriodFormInput>();
  const time = (which: keyof IntervalText) => (
    <Controller
      control={control}
      name={`rules.${day}.${index}.${which}`}
      // `error` is read (destructured) whether shown or not: react-hook-form re-renders a field on
      // what its render read.
      render={({ field, fieldState: { error, isTouched } }) => (
        <TextInput
          {...field}
          onChange={(e) => {
            field.onChange(e);
            onEdited();
          }}
          label={t(`editor.${which}`)}
          size="xs"
          placeholder={which === 'start' ? '08:00' : '17:00'}
          autoComplete="off"
          spellCheck={false}
          required
          withAsterisk={false}
          classNames={{ root: 'tp-time', wrapper: 'tp-time-box' }}
          error={submitted || isTouched ? errorText(error?.message) : undefined}
          errorProps={{ role: 'alert' }}
        />
      )}
    />
  );
  return (
    <div className="tp-interval" role="group" aria-label={name}>
      {time('start')}
      {time('end')}
      <Button
        className="tp-remove"
        size="compact-xs"
        variant="subtle"
        color="red"
        aria-label={t('editor.removeNamed', { name })}
        onClick={onRemove}
      >
        {t('editor.remove')}
      </Button>
    </div>
  );
}

/** A pointer drag under way on a track. */
interface Drag {
  /** A new interval, a bar moved whole, or one of its ends. */
  kind: 'create' | 'move' | 'start' | 'end';
  /** The row of the bar dragged (create: none). */
  index: number;
  /** The minute pressed, and the one under the pointer now. */
  anchor: number;
  current: number;
  /** Where the press was, in px, to tell a click from a drag. */
  x0: number;
  moved: boolean;
  step: number;
}

/** What a drag would make of its row if released now: the interval and the row it replaces. */
function outcome(drag: Drag, intervals: readonly (Interval | undefined)[]): Interval | undefined {
  switch (drag.kind) {
    case 'create':
      return dragSpan(intervals, drag.anchor, drag.current, drag.step);
    case 'move':
      return moveSpan(intervals, drag.index, drag.current - drag.anchor, drag.step);
    default:
      return resizeSpan(intervals, drag.index, drag.kind, drag.current, drag.step);
  }
}

/**
 * A day's 24 hours with its intervals drawn where they fall, for the pointer. Hidden from assistive
 * tech and out of the tab order: the fields say the same and are how a keyboard edits it.
 */
function Track({
  rows,
  full,
  testId,
  onCreate,
  onChange,
  onPick,
}: {
  rows: readonly IntervalText[];
  /** Whether the day holds as many intervals as it may (a drag then adds nothing). */
  full: boolean;
  testId: string;
  onCreate: (span: Interval) => void;
  onChange: (index: number, span: Interval) => void;
  /** A bar was clicked: its fields take focus. */
  onPick: (index: number) => void;
}) {
  const { t } = useT('schedules');
  const ref = useRef<HTMLDivElement>(null);
  const [drag, setDrag] = useState<Drag>();
  const intervals = useMemo(() => rows.map(intervalOf), [rows]);
  const check = useMemo(() => checkDay(rows), [rows]);
  const dragging = drag !== undefined;

  // Escape drops a drag under way.
  useEffect(() => {
    if (!dragging) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') setDrag(undefined);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [dragging]);

  const minuteOf = (clientX: number) => {
    const box = ref.current!.getBoundingClientRect();
    return minuteAt(clientX - box.left, box.width);
  };
  const follow = (d: Drag, e: ReactPointerEvent): Drag => ({
    ...d,
    current: minuteOf(e.clientX),
    moved: d.moved || Math.abs(e.clientX - d.x0) > DRAG_THRESHOLD,
    step: e.shiftKey ? SNAP.fine : SNAP.normal,
  });

  const onPointerDown = (e: ReactPointerEvent<HTMLDivElement>) => {
    if (e.button !== 0 || !ref.current) return;
    const target = e.target as HTMLElement;
    const bar = target.closest<HTMLElement>('[data-index]');
    const kind: Drag['kind'] = bar
      ? ((target.dataset.edge as 'start' | 'end' | undefined) ?? 'move')
      : 'create';
    if (kind === 'create' && full) return;
    e.preventDefault();
    try {
      ref.current.setPointerCapture(e.pointerId);
    } catch {
      // A pointer the browser no longer tracks: the drag still follows moves over the track.
    }
    const minute = minuteOf(e.clientX);
    setDrag({
      kind,
      index: bar ? Number(bar.dataset.index) : -1,
      anchor: minute,
      current: minute,
      x0: e.clientX,
      moved: false,
      step: e.shiftKey ? SNAP.fine : SNAP.normal,
    });
  };
  const onPointerMove = (e: ReactPointerEvent<HTMLDivElement>) => {
    if (drag) setDrag(follow(drag, e));
  };
  const onPointerUp = (e: ReactPointerEvent<HTMLDivElement>) => {
    if (!drag) return;
    const d = follow(drag, e);
    setDrag(undefined);
    if (!d.moved) {
      if (d.kind !== 'create') onPick(d.index);
      else {
        const span = clickSpan(intervals, d.anchor, d.step);
        if (span) onCreate(span);
      }
      return;
    }
    const span = outcome(d, intervals);
    if (!span) return;
    if (d.kind === 'create') onCreate(span);
    else onChange(d.index, span);
  };

  const preview = drag?.moved ? outcome(drag, intervals) : undefined;
  const place = (s: Interval) => ({
    left: `${percentOf(s.start)}%`,
    width: `${percentOf(s.end - s.start)}%`,
  });
  const text = (s: Interval) => t('span', { start: hhmm(s.start), end: hhmm(s.end) });
  return (
    <div
      ref={ref}
      className={`tp-track${full ? ' tp-track--full' : ''}${dragging ? ' tp-track--dragging' : ''}`}
      aria-hidden="true"
      data-testid={testId}
      onPointerDown={onPointerDown}
      onPointerMove={onPointerMove}
      onPointerUp={onPointerUp}
      onPointerCancel={() => setDrag(undefined)}
    >
      {intervals.map((interval, i) => {
        const active = drag !== undefined && drag.kind !== 'create' && drag.index === i;
        const shown = active && preview ? preview : interval;
        if (!shown) return null;
        const problem = check.rows[i]?.start ?? check.rows[i]?.end;
        return (
          <div
            key={i}
            data-index={i}
            className={`tp-bar${problem ? ' tp-bar--invalid' : ''}${active ? ' tp-bar--active' : ''}`}
            style={place(shown)}
            title={text(shown)}
          >
            <span className="tp-edge tp-edge--start" data-edge="start" />
            <span className="tp-bar-text">{text(shown)}</span>
            <span className="tp-edge tp-edge--end" data-edge="end" />
          </div>
        );
      })}
      {drag?.kind === 'create' && preview ? (
        <div className="tp-bar tp-bar--preview" style={place(preview)}>
          <span className="tp-bar-text">{text(preview)}</span>
        </div>
      ) : null}
    </div>
  );
}

/** "Copy to…": a day's intervals onto the days chosen (the other weekdays in one click), replacing theirs. */
function CopyDay({ day, onCopy }: { day: DayType; onCopy: (targets: DayType[]) => void }) {
  const { t } = useT('schedules');
  const [opened, setOpened] = useState(false);
  const [targets, setTargets] = useState<DayType[]>([]);
  const [nag, setNag] = useState(false);
  const inText = t(`daysInText.${day}`);
  return (
    <Popover
      opened={opened}
      hideDetached={false}
      onChange={setOpened}
      trapFocus
      returnFocus
      position="bottom-end"
      withArrow
      shadow="md"
      width={300}
      transitionProps={{ duration: 0 }}
    >
      <Popover.Target>
        <Button
          size="compact-xs"
          variant="default"
          aria-label={t('editor.copyNamed', { day: inText })}
          onClick={() => {
            setTargets([]);
            setNag(false);
            setOpened((o) => !o);
          }}
        >
          {t('editor.copy')}
        </Button>
      </Popover.Target>
      <Popover.Dropdown className="entity-screen">
        <Stack gap="xs">
          <Checkbox.Group
            label={t('editor.copyTitle', { day: inText })}
            description={t('editor.copyHint')}
            value={targets}
            onChange={(v) => {
              setTargets(v as DayType[]);
              setNag(false);
            }}
            error={nag ? t('editor.copyChoose') : undefined}
            errorProps={{ role: 'alert' }}
          >
            <Stack gap={4} mt="xs">
              {otherDays(day).map((d) => (
                <Checkbox key={d} value={d} label={t(`days.${d}`)} size="xs" />
              ))}
            </Stack>
          </Checkbox.Group>
          <Group gap="xs">
            <Button size="compact-xs" variant="light" onClick={() => setTargets(otherWeekdays(day))}>
              {t('editor.copyWeekdays')}
            </Button>
            <Button size="compact-xs" variant="light" onClick={() => setTargets(otherDays(day))}>
              {t('editor.copyAll')}
            </Button>
          </Group>
          <Group justify="flex-end" gap="xs">
            <Button size="compact-sm" variant="default" onClick={() => setOpened(false)}>
              {t('cancel', { ns: 'common' })}
            </Button>
            <Button
              size="compact-sm"
              onClick={() => {
                if (!targets.length) return setNag(true);
                onCopy(targets);
                setOpened(false);
              }}
            >
              {t('editor.copyDo')}
            </Button>
          </Group>
        </Stack>
      </Popover.Dropdown>
    </Popover>
  );
}
