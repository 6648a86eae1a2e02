import { Button, Group, Text } from '@mantine/core';
import './progress-bar.css';

/**
 * The bar, the words and the Cancel button of a long call under way (a card at the encoder, a round
 * going to the PPD). The words are a polite live region: the bar alone says nothing to a screen
 * reader between updates. A native `<progress>`, which needs no inline style the console CSP would
 * refuse; `value` undefined makes it indeterminate (nothing reported yet).
 */
export function ProgressBar(props: {
  label: string;
  value: number | undefined;
  max: number;
  words: string;
  cancel: { text: string; label: string; disabled: boolean; onClick: () => void };
}) {
  return (
    <>
      <progress className="progress-bar" aria-label={props.label} max={props.max} value={props.value} />
      <Group gap="sm" wrap="nowrap" align="center">
        <Text size="sm" role="status" className="progress-words">
          {props.words}
        </Text>
        <Button
          variant="default"
          size="xs"
          aria-label={props.cancel.label}
          disabled={props.cancel.disabled}
          onClick={props.cancel.onClick}
        >
          {props.cancel.text}
        </Button>
      </Group>
    </>
  );
}
