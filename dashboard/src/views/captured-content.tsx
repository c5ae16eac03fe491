import { Fragment } from 'preact';
import { useState } from 'preact/hooks';
import { ApiError } from '../api.js';
import { LoadStatus } from '../components/status.js';
import type { Capture } from '../contract.js';
import { count } from '../format.js';
import { streamEvents, type StreamEvent } from '../stream-events.js';
import { parseJson, streamedText } from '../streamed-text.js';
import { useApi } from '../use-api.js';

/**
 * The request drawer's "Captured content" (issue 22 §2), for admin sessions only: the caller mounts it only
 * then, so no other session ever asks. It reads `GET /admin/captures/{request id}` when the drawer opens.
 * Captured text is the callers' and the upstream's, untrusted: it is only ever rendered as text nodes (JSX
 * children), never as HTML. A 404 is one quiet line; a 403 (a key demoted since the page loaded) shows nothing.
 */
export function CapturedContent(props: { requestId: string }) {
  const capture = useApi<Capture>(`/admin/captures/${encodeURIComponent(props.requestId)}`);
  // Pretty-printing rewrites what was sent (spacing, `1.0` → `1`, escapes): the raw text is one click away.
  const [asCaptured, setAsCaptured] = useState(false);
  const status = capture.error instanceof ApiError ? capture.error.status : undefined;
  if (status === 403) return null;
  if (status === 404) {
    return (
      <p class="muted" data-testid="capture-none">
        No content was captured for this call.
      </p>
    );
  }
  const shown = capture.data;
  return (
    <section class="capture" data-testid="captured-content" aria-label="Captured content">
      <h3>Captured content</h3>
      <LoadStatus state={capture} what="the captured content" />
      {shown && (
        <>
          <dl class="facts">
            <dt>Run · trial</dt>
            <dd>{`${shown.run ?? '—'} · ${shown.trial ?? '—'}`}</dd>
            <dt>Redacted</dt>
            <dd data-testid="capture-redactions">{redactionSummary(shown.redactions)}</dd>
          </dl>
          <label class="pick-raw">
            <input type="checkbox" checked={asCaptured} onChange={(event) => setAsCaptured((event.target as HTMLInputElement).checked)} />
            Show as captured (not pretty-printed)
          </label>
          <h4>
            Request <code class="small">{`${shown.method} ${shown.path}`}</code>
          </h4>
          <dl class="facts headers" data-testid="capture-request-headers">
            {Object.entries(shown.request.headers).map(([name, value]) => (
              <Fragment key={name}>
                <dt>{name}</dt>
                <dd>
                  <code>{value}</code>
                </dd>
              </Fragment>
            ))}
          </dl>
          <Body text={shown.request.body} asCaptured={asCaptured} testId="capture-request-body" />
          {shown.request_truncated && <Cut />}
          <h4>
            Answer <span class="muted small">{`${shown.response.status}${shown.response.stream ? ', streamed' : ''}`}</span>
          </h4>
          <Answer capture={shown} asCaptured={asCaptured} />
          {shown.answer_truncated && <Cut />}
        </>
      )}
    </section>
  );
}

function Answer(props: { capture: Capture; asCaptured: boolean }) {
  const { response, dialect } = props.capture;
  // A stream refused before its first byte is a JSON error, not events: shown as a whole body.
  const events = response.stream && !props.asCaptured ? streamEvents(response.body) : [];
  if (events.length === 0) return <Body text={response.body} asCaptured={props.asCaptured} testId="capture-answer-body" />;
  const assembled = streamedText(dialect, events);
  return (
    <>
      {assembled !== null && (
        <>
          <p class="muted small">The streamed text, put together:</p>
          <pre class="captured" data-testid="capture-answer-text">
            {assembled}
          </pre>
        </>
      )}
      <details class="capture-events" data-testid="capture-answer-events">
        <summary>{`${count(events.length)} events`}</summary>
        <ol>
          {events.map((event, index) => (
            <Event key={index} event={event} />
          ))}
        </ol>
      </details>
    </>
  );
}

function Event(props: { event: StreamEvent }) {
  return (
    <li>
      {props.event.name !== null && <code class="small">{props.event.name}</code>}
      <pre class="captured">{pretty(props.event.data)}</pre>
    </li>
  );
}

function Body(props: { text: string; asCaptured: boolean; testId: string }) {
  if (props.text === '') return <p class="muted small">(empty)</p>;
  return (
    <pre class="captured" data-testid={props.testId}>
      {props.asCaptured ? props.text : pretty(props.text)}
    </pre>
  );
}

function Cut() {
  return (
    <p class="notice small" data-testid="capture-cut">
      Cut here: a capture keeps at most <code>maxBytes</code> of each side.
    </p>
  );
}

/** JSON indented for reading; anything else (a cut body, plain text) as it is. */
function pretty(text: string): string {
  const parsed = parseJson(text);
  return parsed === undefined ? text : JSON.stringify(parsed, null, 2);
}

/** "2 email, 1 bearer redacted", or that nothing was. */
export function redactionSummary(redactions: Record<string, number>): string {
  const parts = Object.entries(redactions)
    .filter(([, times]) => times > 0)
    .map(([kind, times]) => `${count(times)} ${kind}`);
  return parts.length === 0 ? 'Nothing redacted' : `${parts.join(', ')} redacted`;
}
