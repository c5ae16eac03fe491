import type { ComponentChild } from 'preact';
import { useEffect } from 'preact/hooks';

/** A panel over the right of the page (full width on a phone); Escape or the close button dismiss it. */
export function Drawer(props: { title: string; onClose: () => void; children: ComponentChild }) {
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => event.key === 'Escape' && props.onClose();
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [props.onClose]);
  return (
    <div class="drawer-backdrop" onClick={props.onClose}>
      <aside class="drawer" role="dialog" aria-modal="true" aria-label={props.title} onClick={(event) => event.stopPropagation()}>
        <header class="drawer-header">
          <h2>{props.title}</h2>
          <button type="button" class="close" aria-label="Close" onClick={props.onClose}>
            ×
          </button>
        </header>
        <div class="drawer-body">{props.children}</div>
      </aside>
    </div>
  );
}
