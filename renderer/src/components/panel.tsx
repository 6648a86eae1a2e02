import { useEffect, useId, useRef, type ReactNode } from 'react';

/**
 * A titled area that opens beside a list (a form, an object's details). Its heading takes focus when
 * it opens so keyboard users land in it; Close gives the list back.
 */
export function Panel({
  title,
  onClose,
  children,
}: {
  title: string;
  onClose: () => void;
  children: ReactNode;
}) {
  const id = useId();
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    heading.current?.focus();
  }, []);
  return (
    <section className="panel" aria-labelledby={id}>
      <div className="panel-head">
        <h2 id={id} ref={heading} tabIndex={-1}>
          {title}
        </h2>
        <button type="button" className="secondary small" onClick={onClose}>
          Close
        </button>
      </div>
      {children}
    </section>
  );
}
