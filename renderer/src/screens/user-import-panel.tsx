import {
  Alert,
  Button,
  Checkbox,
  Group,
  Input,
  Paper,
  Progress,
  Radio,
  Stack,
  Table,
  Text,
  Title,
} from '@mantine/core';
import { useEffect, useId, useRef, useState } from 'react';
import type { ResultOf } from '../../../app/contract/index.js';
import type { OperationProgress } from '../../../app/contract/methods/operations.js';
import { useT } from '../i18n/i18n.js';
import { call, subscribe } from '../rpc/client.js';
import { RpcCallError } from '../rpc/rpc-call-error.js';
import './users/users.css';

type ImportResult = ResultOf<'users.importCsv'>;
type Mode = 'all-or-nothing' | 'valid-rows';

/** A file's bytes in base64, so the Service can name rows whose bytes are not UTF-8. */
async function base64Of(file: File): Promise<string> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  let binary = '';
  // In slices: String.fromCharCode with millions of arguments overflows the stack.
  for (let i = 0; i < bytes.length; i += 0x8000)
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

/** What the panel says after a run: a note (cancelled, too late) or a failure. */
type Said = { ok: true; text: string } | { ok: false; text: string | undefined };

/**
 * Imports users from a CSV file: check only (dry run) or import, all-or-nothing or the valid rows,
 * with live progress and Cancel while the file is being checked, then each bad row with its reason.
 * The call is named by an operationId, which its progress events carry and operations.cancel takes.
 */
export function UserImportPanel({
  failure,
  onImported,
  onClose,
}: {
  failure: (err: unknown) => string | undefined;
  onImported: () => void;
  onClose: () => void;
}) {
  const { t, i18n } = useT('users');
  const n = (x: number | undefined) => (x ?? 0).toLocaleString(i18n.resolvedLanguage);
  const heading = useId();
  const fileId = useId();
  const [file, setFile] = useState<File>();
  const [mode, setMode] = useState<Mode>('all-or-nothing');
  const [dryRun, setDryRun] = useState(true);
  const [running, setRunning] = useState<string>();
  const [progress, setProgress] = useState<OperationProgress>();
  const [result, setResult] = useState<ImportResult>();
  const [said, setSaid] = useState<Said>();
  const stop = useRef<() => void>(undefined);
  useEffect(() => () => stop.current?.(), []);

  const start = async () => {
    if (!file) return;
    const operationId = crypto.randomUUID();
    setRunning(operationId);
    setProgress(undefined);
    setResult(undefined);
    setSaid(undefined);
    // Subscribed before the call, so the first progress event is not missed.
    stop.current = subscribe('operation.progress', (e) => {
      if (e.payload.operationId === operationId) setProgress(e.payload);
    });
    try {
      const csv = await base64Of(file);
      const r = await call('users.importCsv', { csv, encoding: 'base64', mode, dryRun, operationId });
      setResult(r);
      if (!r.dryRun && r.imported > 0) onImported();
    } catch (err) {
      if (err instanceof RpcCallError && err.name === 'CANCELLED')
        setSaid({ ok: true, text: t('import.cancelled') });
      else setSaid({ ok: false, text: failure(err) });
    } finally {
      stop.current?.();
      stop.current = undefined;
      setRunning(undefined);
    }
  };

  const cancel = async () => {
    if (!running) return;
    try {
      const { cancelled } = await call('operations.cancel', { operationId: running });
      if (!cancelled) setSaid({ ok: true, text: t('import.tooLate') });
    } catch (err) {
      setSaid({ ok: false, text: failure(err) });
    }
  };

  const writing = progress?.stage === 'writing';
  const progressText = !progress
    ? t('import.sending')
    : writing
      ? t('import.saving', { rows: n(progress.rows) })
      : t('import.checking', {
          rows: n(progress.rows),
          percent: progress.total ? Math.floor((progress.done / progress.total) * 100) : 0,
        });
  const percent = writing ? 100 : progress?.total ? (progress.done / progress.total) * 100 : 0;
  const counts = (r: ImportResult) => ({
    rows: n(r.rows),
    imported: n(r.imported),
    problems: n(r.errorCount),
  });

  return (
    <Paper component="section" withBorder p="md" mb="md" aria-labelledby={heading}>
      <Group justify="space-between" wrap="nowrap" mb="sm">
        <Title order={2} size="h3" id={heading}>
          {t('import.title')}
        </Title>
        <Button variant="default" size="compact-sm" onClick={onClose}>
          {t('common:close')}
        </Button>
      </Group>
      <Stack gap="md">
        <Text size="sm">{t('import.columns')}</Text>
        <Input.Wrapper label={t('import.file')} id={fileId}>
          <input
            id={fileId}
            className="user-import-file"
            type="file"
            accept=".csv,text/csv"
            disabled={running !== undefined}
            onChange={(e) => setFile(e.target.files?.[0])}
          />
        </Input.Wrapper>
        <Radio.Group label={t('import.mode')} value={mode} onChange={(v) => setMode(v as Mode)}>
          <Stack gap="xs" mt="xs">
            <Radio
              value="all-or-nothing"
              label={t('import.allOrNothing')}
              description={t('import.allOrNothingHint')}
            />
            <Radio value="valid-rows" label={t('import.validRows')} description={t('import.validRowsHint')} />
          </Stack>
        </Radio.Group>
        <Checkbox
          label={t('import.dryRun')}
          checked={dryRun}
          disabled={running !== undefined}
          onChange={(e) => setDryRun(e.currentTarget.checked)}
        />
        <Group gap="sm">
          <Button disabled={!file || running !== undefined} onClick={() => void start()}>
            {dryRun ? t('import.check') : t('import.import')}
          </Button>
          {running ? (
            <Button variant="default" disabled={writing} onClick={() => void cancel()}>
              {t('import.cancel')}
            </Button>
          ) : null}
        </Group>
        {running ? (
          <Stack gap={4} role="status">
            <Progress value={percent} aria-label={t('import.progress')} />
            <Text size="sm">{progressText}</Text>
          </Stack>
        ) : null}
        {said?.ok === false && said.text ? (
          <Alert color="red" role="alert">
            {said.text}
          </Alert>
        ) : null}
        {said?.ok ? (
          <Alert color="blue" role="status">
            {said.text}
          </Alert>
        ) : null}
        {result ? (
          <>
            <Alert color={result.errorCount ? 'blue' : 'green'} role="status">
              {result.dryRun ? t('import.checked', counts(result)) : t('import.imported', counts(result))}
            </Alert>
            {result.errors.length ? (
              <Table.ScrollContainer minWidth={480}>
                <Table aria-label={t('import.problems')}>
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th scope="col">{t('import.row')}</Table.Th>
                      <Table.Th scope="col">{t('import.column')}</Table.Th>
                      <Table.Th scope="col">{t('import.problem')}</Table.Th>
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {result.errors.map((e, i) => (
                      <Table.Tr key={i}>
                        <Table.Td className="user-import-num">{e.row}</Table.Td>
                        <Table.Td>{e.field ?? '—'}</Table.Td>
                        <Table.Td>{e.message}</Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              </Table.ScrollContainer>
            ) : null}
            {result.errorCount > result.errors.length ? (
              <Text size="sm">{t('import.firstProblems', { shown: n(result.errors.length) })}</Text>
            ) : null}
          </>
        ) : null}
      </Stack>
    </Paper>
  );
}
