import { useEffect, useRef, type ReactNode } from 'react';

/**
 * One full screen: a header, a main landmark and its heading. The heading takes focus when the screen
 * appears, so keyboard and screen-reader users start at the top of what changed.
 */
export function Screen({
  title,
  actions,
  nav,
  wide,
  children,
}: {
  title: string;
  actions?: ReactNode;
  /** The console's navigation, between the header and the content. */
  nav?: ReactNode;
  /** Room for tables; forms alone read better narrow. */
  wide?: boolean;
  children: ReactNode;
}) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    heading.current?.focus();
  }, []);
  return (
    <>
      <header className="topbar">
        <span className="brand">Lintel</span>
        {actions}
      </header>
      {nav}
      <main className={wide ? 'screen wide' : 'screen'}>
        <h1 ref={heading} tabIndex={-1}>
          {title}
        </h1>
        {children}
      </main>
    </>
  );
}
