import { useId, type ReactNode } from 'react';

/** A control's id, the ids of its hint and error when it has them, and the aria-describedby naming those. */
export function useHintIds(hint: ReactNode, error?: ReactNode) {
  const id = useId();
  const hintId = hint ? `${id}-hint` : undefined;
  const errorId = error ? `${id}-error` : undefined;
  const describedBy = [hintId, errorId].filter(Boolean).join(' ') || undefined;
  return { id, hintId, errorId, describedBy };
}

/** A hint under a label, for a control's aria-describedby to point at; nothing when there is none. */
export function Hint({ id, children }: { id: string | undefined; children: ReactNode }) {
  return children ? (
    <p className="hint" id={id}>
      {children}
    </p>
  ) : null;
}

/** A control's own error, announced as it appears; nothing when there is none. */
export function FieldError({ id, children }: { id: string | undefined; children: ReactNode }) {
  return children ? (
    <p className="field-error" role="alert" id={id}>
      {children}
    </p>
  ) : null;
}
