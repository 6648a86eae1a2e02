import { Button, Group, Stack, Text, Title } from '@mantine/core';
import { useEffect, useId, useRef, type ReactNode } from 'react';
import './shown-once-dialog.css';

/**
 * A secret shown once (a lock's join code, a phone's enrolment code) in a modal native `<dialog>`
 * (Mantine's Modal writes a `<style>` element the console CSP refuses): a title, the warning that it
 * is shown only now, what to note (CopyFields), and one button that says the operator noted it. It
 * closes with that button or Escape, and focus starts on that button so the secret is read first
 * by a screen reader through the dialog's description.
 */
export function ShownOnceDialog({
  title,
  once,
  doneLabel,
  onClose,
  children,
}: {
  title: string;
  /** "This code is shown only now." */
  once: string;
  /** "Done: I have noted the code". */
  doneLabel: string;
  onClose: () => void;
  children: ReactNode;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const done = useRef<HTMLButtonElement>(null);
  const id = useId();

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    // happy-dom and old browsers: open it without the modal part.
    if (typeof dialog.showModal === 'function') dialog.showModal();
    else dialog.setAttribute('open', '');
    done.current?.focus();
    return () => dialog.close?.();
  }, []);

  // Closed first, so the browser gives focus back to the button that opened the dialog.
  const close = () => {
    ref.current?.close?.();
    onClose();
  };

  return (
    <dialog
      ref={ref}
      className="dialog shown-once-dialog"
      aria-labelledby={`${id}-title`}
      aria-describedby={`${id}-once`}
      onCancel={(e) => {
        e.preventDefault();
        close();
      }}
    >
      <Stack gap="sm">
        <Title order={2} size="h3" id={`${id}-title`}>
          {title}
        </Title>
        <Text fw={600} id={`${id}-once`}>
          {once}
        </Text>
        {children}
        <Group justify="flex-end">
          <Button ref={done} onClick={close}>
            {doneLabel}
          </Button>
        </Group>
      </Stack>
    </dialog>
  );
}
