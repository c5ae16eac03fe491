import type { IncomingHttpHeaders } from 'node:http';
import { GatewayError } from '../../errors/gateway-error.js';
import { isRunLabel, runLabelRule } from '../../domain/run-label.js';

const maximumTags = 20;
const maximumTagLength = 64;
const maximumRequesterLength = 256;

/** The free-form end user from `x-sluice-user`, else from the body. */
export function requesterOf(headers: IncomingHttpHeaders, bodyRequester: string | undefined): string | null {
  const header = headers['x-sluice-user'];
  const requester = typeof header === 'string' && header.length > 0 ? header : bodyRequester;
  return requester ? requester.slice(0, maximumRequesterLength) : null;
}

/** Tags from `x-sluice-tags: a,b,c`, trimmed, bounded in number and length. */
export function tagsOf(headers: IncomingHttpHeaders): string[] {
  const header = headers['x-sluice-tags'];
  if (typeof header !== 'string' || header.length === 0) return [];
  return header
    .split(',')
    .map((tag) => tag.trim().slice(0, maximumTagLength))
    .filter((tag) => tag.length > 0)
    .slice(0, maximumTags);
}

/** The evaluation run and trial a call belongs to (issue 22 §1); null where it names none. */
export interface RunLabels {
  runId: string | null;
  trialId: string | null;
}

/**
 * The run and trial from `x-sluice-run` / `x-sluice-trial`, else from the tags `run:<id>` / `trial:<id>`,
 * and the run a key carries. A label that is not a run label, a header and a tag that disagree, or a call
 * naming another run than its key's is a 400 naming the header: the key's run wins, because a run key
 * exists for agents that cannot set headers, and such a key must not be steered into another run.
 */
/** Shared by every call without `x-sluice-tags` (most), so reading run labels allocates nothing for them. */
const noTags: readonly string[] = [];

export function runLabelsOf(headers: IncomingHttpHeaders, keyRun: string | null): RunLabels {
  // From the header's own text, not from tagsOf(): a tag is cut at 64 characters, a run label may be 128.
  const tagsHeader = headers['x-sluice-tags'];
  const tags = typeof tagsHeader === 'string' ? tagsHeader.split(',').map((tag) => tag.trim()) : noTags;
  const runId = labelOf(headers, 'x-sluice-run', tags, 'run:');
  const trialId = labelOf(headers, 'x-sluice-trial', tags, 'trial:');
  if (keyRun !== null && runId !== null && runId !== keyRun) {
    throw new GatewayError('invalid_request', `This key belongs to run '${keyRun}'; \`x-sluice-run\` cannot name another run.`, { param: 'x-sluice-run' });
  }
  return { runId: keyRun ?? runId, trialId };
}

function labelOf(headers: IncomingHttpHeaders, header: string, tags: readonly string[], tagPrefix: string): string | null {
  const raw = headers[header];
  // An empty header is no header (a harness whose variable is unset sends one), as for x-sluice-user.
  const text = raw === undefined ? '' : Array.isArray(raw) ? raw.join(',') : raw.trim();
  const fromHeader = text === '' ? null : text;
  const tag = tags.find((candidate) => candidate.startsWith(tagPrefix));
  const fromTag = tag === undefined ? null : tag.slice(tagPrefix.length);
  if ((fromHeader !== null && !isRunLabel(fromHeader)) || (fromTag !== null && !isRunLabel(fromTag))) {
    throw new GatewayError('invalid_request', `\`${header}\` must be ${runLabelRule}.`, { param: header });
  }
  if (fromHeader !== null && fromTag !== null && fromHeader !== fromTag) {
    throw new GatewayError('invalid_request', `\`${header}\` names '${fromHeader}' but the tag \`${tagPrefix}\` names '${fromTag}'.`, { param: header });
  }
  return fromHeader ?? fromTag;
}
