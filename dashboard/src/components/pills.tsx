/** A row of mutually exclusive choices (window, scope), as toggle buttons. */
export function Pills<Value extends string>(props: { label: string; options: ReadonlyArray<{ value: Value; label: string }>; selected: Value; onSelect: (value: Value) => void }) {
  return (
    <div class="pills" role="group" aria-label={props.label}>
      {props.options.map((option) => (
        <button key={option.value} type="button" class="pill" aria-pressed={option.value === props.selected} onClick={() => props.onSelect(option.value)}>
          {option.label}
        </button>
      ))}
    </div>
  );
}
