import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import { takeHeadingFocus } from '../router.js';

/**
 * The page's h1, which also names the tab. After a client-side navigation focus moves here, so
 * keyboard and screen-reader users start at the new page as they would after a full load; a
 * heading that only stands in while the page loads (`pending`) leaves that to the real one.
 */
export function PageHeading({ title, pending = false, children }: { title: string; pending?: boolean; children?: ComponentChildren }) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    document.title = `${title} · Boxoffice`;
  }, [title]);
  useEffect(() => {
    if (!pending && takeHeadingFocus()) heading.current?.focus();
  }, [pending]);
  return (
    <h1 ref={heading} tabIndex={-1}>
      {children ?? title}
    </h1>
  );
}
