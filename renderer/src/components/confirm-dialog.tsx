import { Button, Group, Title } from '@mantine/core';
import { useCallback, useEffect, useId, useRef, useState, type ReactNode } from 'react';
import { useT } from '../i18n/i18n.js';

/** What a confirmation asks. */
export interface ConfirmRequest {
  title: string;
  message: ReactNode;
  /** The verb on the confirming button ("Delete operator"), never a bare "OK". */
  confirmLabel: string;
  /** Styles the confirming button as destructive. */
  danger?: boolean;
}

/**
 * A modal question before a destructive action. The native <dialog> traps focus and closes on Escape;
 * Cancel takes focus first so that a stray Enter does not destroy anything.
 */
function ConfirmDialog({
  title,
  message,
  confirmLabel,
  danger,
  onClose,
}: ConfirmRequest & {
  onClose: (confirmed: boolean) => void;
}) {
  const { t } = useT();
  const ref = useRef<HTMLDialogElement>(null);
  const cancel = useRef<HTMLButtonElement>(null);
  const id = useId();

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    dialog.showModal();
    cancel.current?.focus();
    return () => dialog.close();
  }, []);

  // Closed first, so the browser gives focus back to the button that opened the dialog.
  const answer = (confirmed: boolean) => {
    ref.current?.close();
    onClose(confirmed);
  };

  return (
    <dialog
      ref={ref}
      className="dialog"
      aria-labelledby={`${id}-title`}
      aria-describedby={`${id}-message`}
      onCancel={(e) => {
        e.preventDefault();
        answer(false);
      }}
    >
      <Title order={2} size="h3" id={`${id}-title`} mb="sm">
        {title}
      </Title>
      <div id={`${id}-message`}>{message}</div>
      <Group justify="flex-end" mt="md">
        <Button variant="default" ref={cancel} onClick={() => answer(false)}>
          {t('cancel')}
        </Button>
        <Button color={danger ? 'red' : undefined} onClick={() => answer(true)}>
          {confirmLabel}
        </Button>
      </Group>
    </dialog>
  );
}

/**
 * Asks for confirmation: render the returned element somewhere, then `if (await confirm({…}))`.
 * One question at a time; asking again while one is open answers the first with "no".
 */
export function useConfirm(): [ReactNode, (request: ConfirmRequest) => Promise<boolean>] {
  const [pending, setPending] = useState<{ request: ConfirmRequest; resolve: (yes: boolean) => void }>();
  const confirm = useCallback(
    (request: ConfirmRequest) =>
      new Promise<boolean>((resolve) =>
        setPending((previous) => {
          previous?.resolve(false);
          return { request, resolve };
        }),
      ),
    [],
  );
  const dialog = pending ? (
    <ConfirmDialog
      {...pending.request}
      onClose={(yes) => {
        pending.resolve(yes);
        setPending(undefined);
      }}
    />
  ) : null;
  return [dialog, confirm];
}
