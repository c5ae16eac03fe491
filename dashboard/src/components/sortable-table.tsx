import type { ComponentChild } from 'preact';
import { Fragment } from 'preact';
import { useState } from 'preact/hooks';

export interface Column<Row> {
  id: string;
  label: string;
  /** What the column sorts by; omitted: not sortable. */
  sortValue?: (row: Row) => number | string | null;
  render: (row: Row) => ComponentChild;
  numeric?: boolean;
}

interface SortableTableProps<Row> {
  columns: Array<Column<Row>>;
  rows: Row[];
  rowKey: (row: Row) => string;
  initialSort?: { column: string; descending: boolean };
  /** Content shown under a row when it is expanded (a team's users); null: the row does not expand. */
  expansion?: (row: Row) => ComponentChild | null;
  onRowClick?: (row: Row) => void;
  empty?: string;
  caption?: string;
}

/** A table whose headers sort it (click again to reverse), with optional inline row expansion. */
export function SortableTable<Row>(props: SortableTableProps<Row>) {
  const [sort, setSort] = useState(props.initialSort);
  const [expanded, setExpanded] = useState<ReadonlySet<string>>(new Set());
  const sortColumn = props.columns.find((column) => column.id === sort?.column);
  const rows = sortColumn?.sortValue ? [...props.rows].sort(compareBy(sortColumn.sortValue, sort!.descending)) : props.rows;
  const toggle = (key: string) => {
    const next = new Set(expanded);
    if (next.has(key)) next.delete(key);
    else next.add(key);
    setExpanded(next);
  };
  const span = props.columns.length + (props.expansion ? 1 : 0);
  return (
    <div class="table-scroll">
      <table>
        {props.caption && <caption>{props.caption}</caption>}
        <thead>
          <tr>
            {props.expansion && <th class="expander" aria-label="Expand" />}
            {props.columns.map((column) => {
              const active = sort?.column === column.id;
              return (
                <th key={column.id} class={column.numeric ? 'numeric' : undefined} aria-sort={active ? (sort!.descending ? 'descending' : 'ascending') : undefined}>
                  {column.sortValue ? (
                    <button type="button" class="sort" onClick={() => setSort({ column: column.id, descending: active ? !sort!.descending : column.numeric === true })}>
                      {column.label}
                      <span class="sort-mark" aria-hidden="true">{active ? (sort!.descending ? ' ▼' : ' ▲') : ''}</span>
                    </button>
                  ) : (
                    column.label
                  )}
                </th>
              );
            })}
          </tr>
        </thead>
        <tbody>
          {rows.length === 0 && (
            <tr>
              <td colSpan={span} class="empty">
                {props.empty ?? 'Nothing in this window.'}
              </td>
            </tr>
          )}
          {rows.map((row) => {
            const key = props.rowKey(row);
            const detail = props.expansion?.(row) ?? null;
            const open = expanded.has(key);
            return (
              <Fragment key={key}>
                <tr class={props.onRowClick ? 'clickable' : undefined} onClick={props.onRowClick ? () => props.onRowClick!(row) : undefined}>
                  {props.expansion && (
                    <td class="expander">
                      {detail !== null && (
                        <button type="button" class="expand" aria-expanded={open} aria-label={open ? 'Collapse' : 'Expand'} onClick={() => toggle(key)}>
                          {open ? '▾' : '▸'}
                        </button>
                      )}
                    </td>
                  )}
                  {props.columns.map((column) => (
                    <td key={column.id} class={column.numeric ? 'numeric' : undefined} data-label={column.label}>
                      {column.render(row)}
                    </td>
                  ))}
                </tr>
                {open && detail !== null && (
                  <tr class="expanded-row">
                    <td colSpan={span}>{detail}</td>
                  </tr>
                )}
              </Fragment>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

function compareBy<Row>(value: (row: Row) => number | string | null, descending: boolean): (a: Row, b: Row) => number {
  return (a, b) => {
    const left = value(a);
    const right = value(b);
    // Nulls (no team, no price) sort last either way.
    if (left === null || right === null) return left === right ? 0 : left === null ? 1 : -1;
    const order = typeof left === 'number' && typeof right === 'number' ? left - right : String(left).localeCompare(String(right));
    return descending ? -order : order;
  };
}
