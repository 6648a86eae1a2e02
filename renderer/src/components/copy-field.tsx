import { Button, Group, Text, TextInput } from '@mantine/core';
import { useState } from 'react';
import { useT } from '../i18n/i18n.js';
import './copy-field.css';

/**
 * A secret shown once (a temporary password): read-only, selected on focus so it can be copied by
 * hand, and a Copy button where the clipboard is available.
 */
export function CopyField({ label, value, hint }: { label: string; value: string; hint?: string }) {
  const { t } = useT('operators');
  const [copied, setCopied] = useState<string>();
  async function copy() {
    try {
      await navigator.clipboard.writeText(value);
      setCopied(t('copy.copied'));
    } catch {
      // Plain HTTP, or a browser that refuses: the field is selected on focus for copying by hand.
      setCopied(t('copy.unavailable'));
    }
  }
  return (
    <div>
      <Group gap="xs" align="flex-end" wrap="nowrap">
        <TextInput
          label={label}
          description={hint}
          value={value}
          readOnly
          onFocus={(e) => e.currentTarget.select()}
          spellCheck={false}
          autoComplete="off"
          classNames={{ input: 'copy-field-value' }}
          flex="1 1 auto"
          maw="32rem"
        />
        <Button variant="default" onClick={() => void copy()}>
          {t('copy.copy')}
        </Button>
      </Group>
      <Text size="sm" role="status" mt={4}>
        {copied}
      </Text>
    </div>
  );
}
