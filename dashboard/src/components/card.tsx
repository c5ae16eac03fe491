import type { ComponentChild } from 'preact';

/** One headline figure with a label and an optional line of detail. */
export function Card(props: { label: string; value: ComponentChild; detail?: ComponentChild; testId?: string }) {
  return (
    <section class="card" data-testid={props.testId}>
      <h3>{props.label}</h3>
      <p class="card-value">{props.value}</p>
      {props.detail !== undefined && <p class="card-detail">{props.detail}</p>}
    </section>
  );
}

/** Cards side by side (wrapping on a phone). */
export function CardRow(props: { children: ComponentChild }) {
  return <div class="cards">{props.children}</div>;
}
