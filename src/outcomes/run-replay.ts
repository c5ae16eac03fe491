import type { CapturedExchange, CaptureFilter } from '../domain/captured-exchange.js';
import type { EvalOutcome, RunCall } from '../domain/eval-outcome.js';
import { newUlid } from '../ids/new-ulid.js';
import { maximumComparedCalls } from '../analytics/compare-runs.js';
import { maximumOutcomesPerWrite } from '../analytics/outcome-input.js';
import type { CompareReport } from '../analytics/compare-report.js';
import { issueGatewayKey } from '../keys/issue-gateway-key.js';
import type { SecretBox } from '../keys/secret-box.js';
import type { KeyStore, OutcomeStore } from '../store/store.js';
import type { CaptureSource } from './capture-source.js';
import type { PricedTarget } from './candidate-targets.js';
import { loadVerifier } from './load-verifier.js';
import { readAnswer, type ReplayAnswer } from './replay-answer.js';
import { compareReplay } from './replay-comparison.js';
import { estimateReplayCost, type ReplayEstimate } from './replay-cost-estimate.js';
import type { ReplayHttp } from './replay-http.js';
import { replayRequestOf } from './replay-request.js';
import { selectCaptures, type SkipReason } from './replay-selection.js';
import type { ReplayManifest, ReplayState } from './replay-state.js';
import type { VerifiedRequest, Verifier } from './verifier.js';

/** What to replay: a new replay's choice, or (with `resume`) the id of one to go on with. */
export interface ReplayOptions {
  against: string;
  filter: CaptureFilter;
  limit: number;
  /** `--verify`: a built-in verifier or a module path; none: no outcomes (the report compares cost and speed). */
  verifier: string | undefined;
  /** A trial passed when its score is at least this. */
  passAt: number;
  concurrency: number;
  /** USD; refuse to start (or resume) when what the run spent plus the estimate exceeds it. */
  maxCostUsd: number | undefined;
  dryRun: boolean;
  /** A replay id: go on with it (its captures, candidate, verifier and key); the fields above are its own. */
  resume?: string | undefined;
  /** Send with this gateway key rather than issuing one. */
  keySecret?: string | undefined;
}

export interface ReplayServices {
  store: Pick<OutcomeStore, 'recordOutcomes' | 'listOutcomes' | 'runCalls' | 'requestCalls'> & Pick<KeyStore, 'createKey'>;
  captures: CaptureSource;
  state: ReplayState;
  /** Seals the issued key's token in the manifest (the master key's box). */
  box: SecretBox;
  http: ReplayHttp;
  /** The candidate's targets, priced. */
  targets: (against: string) => PricedTarget[];
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  /** Stop starting trials (those under way finish and are scored): a first Ctrl-C. */
  stop?: AbortSignal | undefined;
  /** Abort the trials under way too: a second Ctrl-C. */
  abort?: AbortSignal | undefined;
  /** Each trial as it ends. */
  onTrial?: ((trial: TrialResult) => void) | undefined;
  /** How long to wait for the gateway to accept a new key and to write the rows of calls sent (default 15 s). */
  settleMs?: number | undefined;
}

/** One replayed trial as it ended. */
export interface TrialResult {
  trial: string;
  status: number;
  /** Null without a verifier. */
  score: number | null;
  passed: boolean | null;
  /** Why the call or its scoring failed; undefined when it was answered and scored. */
  error: string | undefined;
  /** The verifier threw (or returned something else than a score) on the answer. */
  verifierFailed: boolean;
}

export interface ReplayResult {
  id: string | null;
  run: string | null;
  originalRun: string | null;
  against: string;
  verifier: string | null;
  dryRun: boolean;
  /** Captures chosen (a resumed replay: those of its manifest still found). */
  selected: number;
  skipped: Record<SkipReason, number>;
  /** Request ids of a resumed replay whose captures are gone (purged or expired). */
  missing: number;
  /** Trials done before this run of the command (a resume). */
  alreadyDone: number;
  estimate: ReplayEstimate;
  /** USD the replay run had spent before this run of the command. */
  spentBeforeUsd: number;
  /** The estimate plus what was spent went over `--max-cost`: nothing was sent. */
  refused: boolean;
  maxCostUsd: number | null;
  sent: number;
  answered: number;
  failed: number;
  verifierErrors: number;
  /** Trials a hard stop left with a call but no answer to score. */
  unscored: number;
  /** Trials not yet done: a stop cut the replay short (`--resume` goes on). */
  remaining: number;
  finished: boolean;
  report: CompareReport | null;
}

const defaultSettleMs = 15_000;
const pollMs = 250;
/** The most trials one replay holds: a compare reads at most 200,000 calls, originals and replays together. */
export const maximumReplayLimit = 50_000;

/** The refusal of a replay whose estimate is over `--max-cost`: the CLI prints the result and exits 1. */
export function refusalMessage(result: ReplayResult): string {
  return `estimated $${formatUsd(result.spentBeforeUsd + result.estimate.costUsd)} is over --max-cost $${formatUsd(result.maxCostUsd ?? 0)}: nothing was sent`;
}

export function formatUsd(value: number): string {
  return value >= 1 ? value.toFixed(2) : value.toPrecision(3);
}

/** The associated data the key's token is sealed with: a sealed token opens only for its own replay. */
function keySealContext(id: string): string {
  return `sluice-replay-key:${id}`;
}

/**
 * Replays captured requests against a candidate through the gateway (issue 22 §3), as the run `replay-<id>`
 * with a key of its own, each trial named by its original request id, scored by the verifier beside the
 * originals (`replay-<id>:original`), and compares the two. Resumable: the trials the run already has (a
 * usage row or an outcome) are not sent again.
 */
export async function runReplay(options: ReplayOptions, services: ReplayServices): Promise<ReplayResult> {
  const { store } = services;
  const settleMs = services.settleMs ?? defaultSettleMs;
  const previous = options.resume === undefined ? undefined : await services.state.load(options.resume);
  const against = previous?.against ?? options.against;
  const verifierName = previous ? (previous.verifier ?? undefined) : options.verifier;
  const passAt = previous?.passAt ?? options.passAt;
  const maxCostUsd = options.maxCostUsd ?? previous?.maxCostUsd ?? undefined;
  // Loaded first: a verifier that does not load (or a schema that does not compile) costs nothing.
  const verifier = verifierName === undefined ? undefined : await loadVerifier(verifierName);

  const selection = previous
    ? await selectCaptures(services.captures, previous.filter, previous.requestIds.length, new Set(previous.requestIds))
    : await selectCaptures(services.captures, options.filter, options.limit);
  const captures = selection.captures;
  const requestIds = captures.map((capture) => capture.requestId);
  const run = previous?.run ?? null;
  const originalRun = previous?.originalRun ?? null;

  // Read by id for their token counts only: the run name they are labelled with does not matter here.
  const originals = new Map((await store.requestCalls(requestIds, 'original')).map((call) => [call.trial!, call]));
  const earlierCalls = run === null ? [] : await store.runCalls([run], maximumComparedCalls);
  const done = run === null ? new Set<string>() : await doneTrials(store, run, earlierCalls);
  const remaining = captures.filter((capture) => !done.has(capture.requestId));
  const spentBeforeUsd = earlierCalls.reduce((total, call) => total + (call.costUsd ?? 0), 0);
  const estimate = estimateReplayCost(remaining, originals, services.targets(against));
  const refused = maxCostUsd !== undefined && spentBeforeUsd + estimate.costUsd > maxCostUsd;
  const scoreTrial = verifier === undefined ? undefined : trialScorer(verifier);
  const alreadyScored = originalRun === null ? new Set<string>() : new Set((await store.listOutcomes(originalRun)).map((outcome) => outcome.trial));
  const originalScores = scoreTrial ? await scoreOriginals(captures, scoreTrial, alreadyScored) : [];

  const result: ReplayResult = {
    id: previous?.id ?? null,
    run,
    originalRun,
    against,
    verifier: verifier?.name ?? null,
    dryRun: options.dryRun,
    selected: captures.length,
    skipped: selection.skipped,
    missing: previous ? previous.requestIds.length - captures.length : 0,
    alreadyDone: captures.length - remaining.length,
    estimate,
    spentBeforeUsd,
    refused,
    maxCostUsd: maxCostUsd ?? null,
    sent: 0,
    answered: 0,
    failed: 0,
    verifierErrors: 0,
    unscored: 0,
    remaining: remaining.length,
    finished: false,
    report: null,
  };
  if (options.dryRun || refused) return result;
  if (captures.length === 0 && !previous) throw new Error('no captures to replay match these filters in this window');

  const { manifest, token } = previous ? { manifest: previous, token: tokenOf(previous, options.keySecret, services.box) } : await startReplay(options, services, { against, verifierName, passAt, maxCostUsd, requestIds });
  Object.assign(result, { id: manifest.id, run: manifest.run, originalRun: manifest.originalRun });
  await waitForKey(services, token, against, settleMs);

  await recordOriginals(store, manifest, originalScores, services.now());
  // A hard stop may have left calls the gateway was still writing: wait for their rows rather than send
  // them twice. Those that land were made but never scored (their answers were lost with the process).
  const sentBefore = await services.state.sentTrials(manifest.id);
  const uncertain = new Set(remaining.filter((capture) => sentBefore.has(capture.requestId)).map((capture) => capture.requestId));
  const landed = uncertain.size === 0 ? new Set<string>() : await waitForRows(services, manifest.run, uncertain, settleMs);
  result.unscored = landed.size;
  const toSend = remaining.filter((capture) => !landed.has(capture.requestId));

  const sentNow = new Set<string>();
  await forEachBounded(toSend, options.concurrency, services.stop, async (capture) => {
    await services.state.noteSending(manifest.id, capture.requestId);
    sentNow.add(capture.requestId);
    result.sent++;
    const trial = await replayTrial(capture, { manifest, token, against, services, scoreTrial });
    if (trial.status >= 200 && trial.status <= 299) result.answered++;
    else result.failed++;
    if (trial.verifierFailed) result.verifierErrors++;
    services.onTrial?.(trial);
  });
  result.remaining = toSend.length - result.sent;
  // The report reads the replay's rows: wait until the gateway has written those of every call sent (after a
  // hard stop, some calls never reached it: report what is there).
  if (!services.abort?.aborted) await waitForRows(services, manifest.run, sentNow, settleMs);
  if (result.remaining === 0) {
    result.finished = true;
    if (manifest.finishedAt === null) await services.state.save({ ...manifest, finishedAt: services.now() });
  }
  result.report = await compareReplay(store, manifest);
  return result;
}

/** Trials the run already has: a usage row (a call was made) or an outcome (it was scored). */
async function doneTrials(store: Pick<OutcomeStore, 'listOutcomes'>, run: string, calls: readonly RunCall[]): Promise<Set<string>> {
  const done = new Set<string>();
  for (const call of calls) if (call.trial !== null) done.add(call.trial);
  for (const outcome of await store.listOutcomes(run)) done.add(outcome.trial);
  return done;
}

/** A new replay: its id, its key (issued with the run), its manifest. */
async function startReplay(
  options: ReplayOptions,
  services: ReplayServices,
  chosen: { against: string; verifierName: string | undefined; passAt: number; maxCostUsd: number | undefined; requestIds: string[] },
): Promise<{ manifest: ReplayManifest; token: string }> {
  const id = newUlid().toLowerCase();
  const run = `replay-${id}`;
  let key: ReplayManifest['key'] = { id: null, sealedToken: null };
  let token = options.keySecret;
  if (token === undefined) {
    // No budget of its own: a hard cap refuses a call whose reservation (its maximum cost) does not fit, so
    // near the cap calls that would fit would fail and count against the candidate. --max-cost is checked on
    // the estimate instead; the team's, the group's and any limit given to the key still apply.
    const issued = await issueGatewayKey(services.store, { name: run, run });
    token = issued.token;
    key = { id: issued.key.id, sealedToken: services.box.encrypt(issued.token, keySealContext(id)) };
  }
  const manifest: ReplayManifest = {
    version: 1,
    id,
    run,
    originalRun: `${run}:original`,
    createdAt: services.now(),
    against: chosen.against,
    verifier: chosen.verifierName ?? null,
    passAt: chosen.passAt,
    maxCostUsd: chosen.maxCostUsd ?? null,
    filter: options.filter,
    limit: options.limit,
    requestIds: chosen.requestIds,
    key,
    finishedAt: null,
  };
  await services.state.save(manifest);
  return { manifest, token };
}

function tokenOf(manifest: ReplayManifest, keySecret: string | undefined, box: SecretBox): string {
  if (keySecret !== undefined) return keySecret;
  if (manifest.key.sealedToken === null) throw new Error(`replay ${manifest.id} was started with --key-secret: give it again to resume`);
  return box.decrypt(manifest.key.sealedToken, keySealContext(manifest.id));
}

/**
 * Keys reach a running gateway by polling the store (`keys.refreshIntervalMs`), and an unknown key makes it
 * look at once: ask `/v1/models` until the key is accepted, which also finds a wrong `--url` before anything
 * is sent, and refuse a candidate the key is not offered (a typo), unless it is a `provider:model` name.
 */
async function waitForKey(services: ReplayServices, token: string, against: string, settleMs: number): Promise<void> {
  const deadline = services.now() + settleMs;
  for (;;) {
    const answer = await services.http.listModels(token);
    if (answer.status === 200) {
      if (!against.includes(':') && !answer.models.includes(against)) {
        throw new Error(`the gateway does not offer '${against}' to the replay key (its models: ${answer.models.slice(0, 20).join(', ')})`);
      }
      return;
    }
    if (answer.status !== 401 || services.now() >= deadline) throw new Error(`the gateway refused the replay key (status ${answer.status} from /v1/models)`);
    await services.sleep(pollMs);
  }
}

type TrialScorer = (request: VerifiedRequest, answer: ReplayAnswer, reference: ReplayAnswer) => Promise<{ score: number; error: string | undefined; verifierFailed: boolean }>;

/** The verifier's score, or 0 with the reason when the answer failed or the verifier threw. */
function trialScorer(verifier: Verifier): TrialScorer {
  return async (request, answer, reference) => {
    if (answer.error !== undefined) return { score: 0, error: answer.error, verifierFailed: false };
    try {
      return { score: await verifier.score(request, answer, reference), error: undefined, verifierFailed: false };
    } catch (error) {
      return { score: 0, error: `verifier: ${(error as Error).message}`, verifierFailed: true };
    }
  };
}

function verifiedRequestOf(capture: CapturedExchange): VerifiedRequest {
  let body: unknown;
  try {
    body = JSON.parse(capture.requestBody);
  } catch {
    body = capture.requestBody;
  }
  return { requestId: capture.requestId, dialect: capture.inboundDialect, method: capture.method, path: capture.path, body };
}

function capturedAnswerOf(capture: CapturedExchange): ReplayAnswer {
  return readAnswer(capture.inboundDialect, { status: capture.status, stream: capture.stream, body: capture.answer });
}

/** An original's score, before it is recorded under the replay's `:original` run. */
interface OriginalScore {
  trial: string;
  status: number;
  score: number;
  error: string | undefined;
}

/**
 * The originals' answers scored by the same verifier (a comparing verifier against themselves), those not
 * scored yet, before anything is issued or sent — in a dry run too: a verifier that fails on every original
 * stops the replay while it has cost nothing.
 */
async function scoreOriginals(captures: readonly CapturedExchange[], scoreTrial: TrialScorer, alreadyScored: ReadonlySet<string>): Promise<OriginalScore[]> {
  const scores: OriginalScore[] = [];
  for (const capture of captures) {
    if (alreadyScored.has(capture.requestId)) continue;
    const answer = capturedAnswerOf(capture);
    const { score, error } = await scoreTrial(verifiedRequestOf(capture), answer, answer);
    scores.push({ trial: capture.requestId, status: capture.status, score, error });
  }
  if (scores.length > 0 && scores.every((original) => original.error !== undefined)) {
    throw new Error(`the verifier could not score any original answer (${scores[0]!.error}): nothing was sent`);
  }
  return scores;
}

/** The originals' scores as the outcomes of `replay-<id>:original`. */
async function recordOriginals(store: ReplayServices['store'], manifest: ReplayManifest, scores: readonly OriginalScore[], now: number): Promise<void> {
  const outcomes = scores.map((original) =>
    outcomeOf(manifest.originalRun, original.trial, original.score, manifest.passAt, now, { status: original.status, ...(original.error === undefined ? {} : { error: original.error }) }),
  );
  for (let start = 0; start < outcomes.length; start += maximumOutcomesPerWrite) {
    await store.recordOutcomes(outcomes.slice(start, start + maximumOutcomesPerWrite));
  }
}

function outcomeOf(run: string, trial: string, score: number, passAt: number, recordedAt: number, metadata: Record<string, unknown>): EvalOutcome {
  return { run, trial, reward: score, passed: score >= passAt, task: null, metadata, recordedAt };
}

/** Sends one trial, reads its answer whole, scores it against the original's and records the outcome. */
async function replayTrial(
  capture: CapturedExchange,
  context: { manifest: ReplayManifest; token: string; against: string; services: ReplayServices; scoreTrial: TrialScorer | undefined },
): Promise<TrialResult> {
  const { manifest, services } = context;
  const trial = capture.requestId;
  let status: number;
  let answer: ReplayAnswer;
  try {
    const replayRequest = replayRequestOf(capture, { against: context.against, credential: context.token, run: manifest.run, trial });
    const response = await services.http.send(replayRequest, services.abort);
    status = response.status;
    answer = readAnswer(capture.inboundDialect, { status, stream: capture.stream, body: response.body });
  } catch (error) {
    // No answer at all (the connection failed, a hard stop): status 0, scored 0.
    status = 0;
    answer = { status: 0, stream: capture.stream, text: '', toolCalls: [], raw: '', error: `no answer: ${(error as Error).message}` };
  }
  if (!context.scoreTrial) return { trial, status, score: null, passed: null, error: answer.error, verifierFailed: false };
  const { score, error, verifierFailed } = await context.scoreTrial(verifiedRequestOf(capture), answer, capturedAnswerOf(capture));
  const outcome = outcomeOf(manifest.run, trial, score, manifest.passAt, services.now(), { status, against: context.against, ...(error === undefined ? {} : { error }) });
  // A hard stop leaves the trial unscored: its call may not have been made, and a resume decides by its row.
  if (!(services.abort?.aborted && status === 0)) await services.store.recordOutcomes([outcome]);
  return { trial, status, score, passed: outcome.passed, error, verifierFailed };
}

/** Polls the run's rows until each of these trials has one, or the time is up; returns those that do. */
async function waitForRows(services: ReplayServices, run: string, trials: ReadonlySet<string>, settleMs: number): Promise<Set<string>> {
  const deadline = services.now() + settleMs;
  for (;;) {
    const landed = new Set((await services.store.runCalls([run], maximumComparedCalls)).flatMap((call) => (call.trial !== null && trials.has(call.trial) ? [call.trial] : [])));
    if (landed.size === trials.size || services.now() >= deadline) return landed;
    await services.sleep(pollMs);
  }
}

/** Runs `work` over the items, at most `concurrency` at a time, starting none once `stop` is aborted. */
async function forEachBounded<Item>(items: readonly Item[], concurrency: number, stop: AbortSignal | undefined, work: (item: Item) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length && !stop?.aborted) {
      const item = items[next++]!;
      await work(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}
