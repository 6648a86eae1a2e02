import { Button, Fieldset, Group, Stack, Text } from '@mantine/core';
import type { ReactNode } from 'react';

/**
 * A list of small rows of fields under one legend (an access level's rights), with its hint, its
 * error, what an empty list means, and a button that adds a row. The words come from the caller.
 */
export function RowList({
  legend,
  hint,
  error,
  empty,
  addLabel,
  onAdd,
  children,
}: {
  legend: string;
  hint?: string;
  /** What is wrong with the list as a whole (an alert). */
  error?: string | undefined;
  /** Said when there are no rows. */
  empty: string | undefined;
  /** The text of the add button. */
  addLabel: string;
  onAdd: () => void;
  children: ReactNode;
}) {
  return (
    <Fieldset legend={legend} maw="48rem">
      <Stack gap="xs">
        {hint ? (
          <Text size="sm" c="dimmed">
            {hint}
          </Text>
        ) : null}
        {empty ? (
          <Text size="sm" c="dimmed">
            {empty}
          </Text>
        ) : null}
        {children}
        {error ? (
          <Text size="sm" c="var(--danger)" role="alert">
            {error}
          </Text>
        ) : null}
        <Group>
          <Button size="compact-sm" variant="default" onClick={onAdd}>
            {addLabel}
          </Button>
        </Group>
      </Stack>
    </Fieldset>
  );
}

/** One row of a {@link RowList}: its fields, grouped under a name, and a button that removes it. */
export function FieldRow({
  name,
  removeLabel,
  removeName,
  onRemove,
  children,
}: {
  /** The row's accessible name ("Right 2"). */
  name: string;
  /** The remove button's text ("Remove") and its accessible name ("Remove Right 2"). */
  removeLabel: string;
  removeName: string;
  onRemove: () => void;
  children: ReactNode;
}) {
  return (
    <Group role="group" aria-label={name} align="flex-start" gap="sm" wrap="wrap">
      {children}
      <Button
        mt="1.6rem"
        size="compact-sm"
        variant="subtle"
        color="red"
        aria-label={removeName}
        onClick={onRemove}
      >
        {removeLabel}
      </Button>
    </Group>
  );
}
