/** One server-sent event of a captured stream: its `event:` name (if any) and its `data:` lines joined. */
export interface StreamEvent {
  name: string | null;
  data: string;
}

/**
 * A captured stream's events, for display: the SSE rules (events end at a blank line; CRLF, LF or CR end a
 * line; `data:` lines join with a newline; one space after the colon is dropped; comments and other fields
 * are skipped). The last event is kept even without its blank line, since a capture cut at `maxBytes` or a
 * stream cut by the upstream ends mid-event and that part is what the reader wants to see.
 */
export function streamEvents(body: string): StreamEvent[] {
  const events: StreamEvent[] = [];
  let name: string | null = null;
  let data: string[] = [];
  const dispatch = () => {
    if (data.length > 0 || name !== null) events.push({ name, data: data.join('\n') });
    name = null;
    data = [];
  };
  for (const line of body.split(/\r\n|\r|\n/)) {
    if (line === '') {
      dispatch();
      continue;
    }
    const colon = line.indexOf(':');
    if (colon === 0) continue;
    const field = colon === -1 ? line : line.slice(0, colon);
    const value = colon === -1 ? '' : line.slice(line.charAt(colon + 1) === ' ' ? colon + 2 : colon + 1);
    if (field === 'data') data.push(value);
    else if (field === 'event') name = value;
  }
  dispatch();
  return events;
}
