import { useState } from 'react';
import { Hint, useHintIds } from './hint.js';

/**
 * A secret shown once (a generated temporary password): read-only, selected on focus so it can be
 * copied by hand, and a Copy button where the clipboard is available.
 */
export function CopyField({ label, value, hint }: { label: string; value: string; hint?: string }) {
  const { id, hintId } = useHintIds(hint);
  const [copied, setCopied] = useState<string>();
  async function copy() {
    try {
      await navigator.clipboard.writeText(value);
      setCopied('Copied.');
    } catch {
      setCopied('The clipboard is not available here: select the text and copy it.');
    }
  }
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <Hint id={hintId}>{hint}</Hint>
      <div className="copy-row">
        <input
          id={id}
          className="mono"
          readOnly
          value={value}
          onFocus={(e) => e.target.select()}
          aria-describedby={hintId}
          spellCheck={false}
          autoComplete="off"
        />
        <button type="button" className="secondary" onClick={copy}>
          Copy
        </button>
      </div>
      <p role="status" className="hint">
        {copied}
      </p>
    </div>
  );
}
