import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import type { SluiceConfig } from '../config/config-schema.js';
import type { CaptureFilter } from '../domain/captured-exchange.js';
import { loadMasterKey, SecretBox } from '../keys/secret-box.js';
import { candidateTargets } from '../outcomes/candidate-targets.js';
import { captureSourceFromStore, type CaptureSource, type OpenCapture } from '../outcomes/capture-source.js';
import { builtInVerifiers } from '../outcomes/load-verifier.js';
import { replayHttp } from '../outcomes/replay-http.js';
import { ReplayState } from '../outcomes/replay-state.js';
import { formatUsd, maximumReplayLimit, refusalMessage, runReplay, type ReplayResult } from '../outcomes/run-replay.js';
import type { Store } from '../store/store.js';
import { compareHtml } from './compare-html.js';
import { compareTable } from './compare-table.js';
import { openStore, type CommonOptions } from './open-store.js';
import { parseWindow } from './usage-command.js';

/** What the command needs from elsewhere: where captures come from, once the store and the master key are open. */
export interface ReplayCommandWiring {
  captures: (store: Store, box: SecretBox) => CaptureSource;
  /** Where progress and notices go (stderr); the report goes to stdout. */
  notices?: (line: string) => void;
}

/**
 * The captures of the store the CLI opened, opened with the master key by `open` (the capture module's
 * `openCapture`, handed in by main.ts: outcomes/ sits below nothing that needs capture/'s sealing twice).
 */
export function storeCaptures(open: OpenCapture): ReplayCommandWiring['captures'] {
  return (store, box) => captureSourceFromStore(store, box, open);
}

const maximumErrorsShown = 5;

interface ReplayFlags extends CommonOptions {
  window?: string;
  key?: string;
  team?: string;
  model?: string;
  tag?: string;
  run?: string;
  limit: number;
  against?: string;
  concurrency: number;
  verify?: string;
  passAt: number;
  maxCost?: number;
  dryRun: boolean;
  resume?: string;
  keySecret?: string;
  url?: string;
  json?: string;
  html?: string;
}

/**
 * `sluice replay`: re-sends captured requests through a running gateway against another model group, as the
 * run `replay-<id>`, scores both answers with a verifier, and prints the compare report of the originals
 * against the replay (issue 22 §3). The work is `outcomes/run-replay.ts`; this parses flags and prints.
 */
export function replayCommand(wiring: ReplayCommandWiring): Command {
  return new Command('replay')
    .description('re-send captured requests against another model group and compare the answers, cost and speed with the originals')
    .option('--window <duration>', 'captures from how far back: 30m, 24h, 7d, 2w')
    .option('--key <key>', 'only captures of this key (id or name)')
    .option('--team <team>', 'only captures of this team')
    .option('--model <model>', 'only captures that asked for this model, alias or group')
    .option('--tag <tag>', 'only captures with this tag')
    .option('--run <run>', 'only captures of this evaluation run')
    .option('--limit <n>', `at most this many captures, oldest first (1 to ${maximumReplayLimit})`, integerFlag(1, maximumReplayLimit), 500)
    .option('--against <group>', 'the candidate: a model group (or alias or model) the gateway serves')
    .option('--concurrency <n>', 'requests in flight at once (1 to 64)', integerFlag(1, 64), 8)
    .option('--verify <verifier>', `score both answers: ${builtInVerifiers.join(', ')}, or a .js/.ts module exporting score(request, answer)`)
    .option('--pass-at <score>', 'a trial passed when its score is at least this', scoreFlag, 1)
    .option('--max-cost <usd>', 'refuse to start when the estimated cost (with what a resumed replay spent) is above this', usdFlag)
    .option('--dry-run', 'print the count and the estimated cost, send nothing', false)
    .option('--resume <id>', 'go on with a stopped replay (its captures, candidate, verifier and key)')
    .option('--key-secret <token>', 'send with this gateway key instead of issuing one (or set SLUICE_REPLAY_KEY_SECRET)')
    .option('--url <url>', "the gateway's base URL (or set SLUICE_URL; default: the config's listen address)")
    .option('--json <path>', 'also write the report as JSON (the compare report plus a `replay` summary)')
    .option('--html <path>', 'also write the compare report as a self-contained HTML page')
    .option('--config <path>', 'path to sluice.yaml')
    .action(async (flags: ReplayFlags) => {
      const notice = wiring.notices ?? ((line: string) => void process.stderr.write(`${line}\n`));
      if (flags.resume === undefined && flags.against === undefined) throw new Error('--against is required (the group to replay against)');
      if (flags.resume === undefined && flags.window === undefined) throw new Error('--window is required (how far back to take captures from, e.g. 7d)');
      const { config, store } = await openStore(flags);
      const http = replayHttp(flags.url ?? process.env.SLUICE_URL ?? listenUrlOf(config), flags.concurrency);
      const stop = new AbortController();
      const abort = new AbortController();
      const onSignal = () => {
        if (stop.signal.aborted) {
          abort.abort();
          return;
        }
        stop.abort();
        notice('Stopping: the requests under way finish first (Ctrl-C again to cut them short).');
      };
      process.on('SIGINT', onSignal);
      try {
        const now = Date.now();
        const filter = await filterOf(flags, store, now);
        const box = new SecretBox((await loadMasterKey({ env: process.env, dataDirectory: config.dataDir })).key);
        const storedProviders = new Set((await store.listProviderKeys()).map((key) => key.provider));
        let sent = 0;
        let errorsShown = 0;
        const result = await runReplay(
          {
            against: flags.against ?? '',
            filter,
            limit: flags.limit,
            verifier: flags.verify,
            passAt: flags.passAt,
            concurrency: flags.concurrency,
            maxCostUsd: flags.maxCost,
            dryRun: flags.dryRun,
            resume: flags.resume,
            keySecret: flags.keySecret ?? (process.env.SLUICE_REPLAY_KEY_SECRET || undefined),
          },
          {
            store,
            captures: wiring.captures(store, box),
            state: new ReplayState(join(config.dataDir, 'replays')),
            box,
            http,
            targets: (against) => candidateTargets(config, against, { env: process.env, storedProviders }),
            now: Date.now,
            sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
            stop: stop.signal,
            abort: abort.signal,
            onTrial: (trial) => {
              sent++;
              // The first few failures say why; after that the count every 25 trials is enough.
              const shown = trial.error !== undefined && errorsShown < maximumErrorsShown;
              if (shown) errorsShown++;
              if (shown || sent % 25 === 0) notice(`  ${sent} sent${shown ? `; trial ${trial.trial}: ${trial.error}` : ''}`);
            },
          },
        );
        notice(summaryOf(result));
        if (result.refused) throw new Error(refusalMessage(result));
        if (result.report) {
          process.stdout.write(compareTable(result.report));
          if (flags.json !== undefined) await writeFile(flags.json, `${JSON.stringify({ ...result.report, replay: summaryJson(result) }, null, 2)}\n`);
          if (flags.html !== undefined) await writeFile(flags.html, compareHtml(result.report, new Date()));
        } else if (flags.json !== undefined) {
          await writeFile(flags.json, `${JSON.stringify({ replay: summaryJson(result) }, null, 2)}\n`);
        }
        if (!result.dryRun && !result.finished) {
          notice(`Stopped with ${result.remaining} trial${result.remaining === 1 ? '' : 's'} left: sluice replay --resume ${result.id} goes on.`);
          process.exitCode = 130;
        }
      } finally {
        process.off('SIGINT', onSignal);
        await http.close();
        await store.close();
      }
    });
}

/** The flags' filter: the window's bounds, and the key's id when the key was named. */
async function filterOf(flags: ReplayFlags, store: Store, now: number): Promise<CaptureFilter> {
  const filter: CaptureFilter = {};
  if (flags.window !== undefined) {
    filter.from = now - parseWindow(flags.window);
    filter.before = now;
  }
  if (flags.key !== undefined) {
    const key = (await store.listKeys()).find((candidate) => candidate.id === flags.key || candidate.name === flags.key);
    if (!key) throw new Error(`no key with id or name '${flags.key}'`);
    filter.keyId = key.id;
  }
  if (flags.team !== undefined) filter.teamName = flags.team;
  if (flags.model !== undefined) filter.requestedModel = flags.model;
  if (flags.tag !== undefined) filter.tag = flags.tag;
  if (flags.run !== undefined) filter.runId = flags.run;
  return filter;
}

/** Where `sluice serve` with this config listens (a wildcard address is reached on the loopback). */
function listenUrlOf(config: SluiceConfig): string {
  const host = config.server.host === '0.0.0.0' || config.server.host === '::' ? '127.0.0.1' : config.server.host;
  return `http://${host.includes(':') ? `[${host}]` : host}:${config.server.port}`;
}

function summaryOf(result: ReplayResult): string {
  const skipped = Object.entries(result.skipped).filter(([, count]) => count > 0);
  const estimate = result.estimate;
  const lines = [
    `${result.dryRun ? 'Would replay' : result.run === null ? 'Replay of' : `Replay ${result.run}:`} ${result.selected} capture${result.selected === 1 ? '' : 's'} against ${result.against}` +
      (result.verifier === null ? ', no verifier' : `, verified by ${result.verifier}`) +
      (skipped.length > 0 ? ` (passed over: ${skipped.map(([reason, count]) => `${count} ${reason.replace('_', ' ')}`).join(', ')})` : ''),
    `  estimated $${formatUsd(estimate.costUsd)} for ${estimate.trials} trial${estimate.trials === 1 ? '' : 's'}` +
      (estimate.dearestTarget === null ? '' : ` at the dearest target (${estimate.dearestTarget})`) +
      (estimate.unpricedTrials > 0 ? `; ${estimate.unpricedTrials} without a known price` : '') +
      (result.spentBeforeUsd > 0 ? `; $${formatUsd(result.spentBeforeUsd)} spent before` : '') +
      (result.maxCostUsd === null ? '' : `; --max-cost $${formatUsd(result.maxCostUsd)}`),
  ];
  if (result.missing > 0) lines.push(`  ${result.missing} chosen capture${result.missing === 1 ? ' is' : 's are'} gone (purged or expired)`);
  if (!result.dryRun && !result.refused) {
    lines.push(
      `  sent ${result.sent} (answered ${result.answered}, failed ${result.failed})` +
        (result.alreadyDone > 0 ? `; ${result.alreadyDone} done before` : '') +
        (result.unscored > 0 ? `; ${result.unscored} cut short before (not scored)` : '') +
        (result.verifierErrors > 0 ? `; the verifier failed on ${result.verifierErrors}` : ''),
    );
  }
  return lines.join('\n');
}

function summaryJson(result: ReplayResult) {
  const { report: _report, ...summary } = result;
  return summary;
}

function integerFlag(minimum: number, maximum: number): (value: string) => number {
  return (value) => {
    const number = Number(value);
    if (!/^\d+$/.test(value.trim()) || number < minimum || number > maximum) throw new InvalidArgumentError(`expected a whole number from ${minimum} to ${maximum}.`);
    return number;
  };
}

function scoreFlag(value: string): number {
  const number = Number(value);
  if (value.trim() === '' || !Number.isFinite(number) || number < 0 || number > 1) throw new InvalidArgumentError('expected a number from 0 to 1.');
  return number;
}

function usdFlag(value: string): number {
  const number = Number(value);
  if (value.trim() === '' || !Number.isFinite(number) || number <= 0) throw new InvalidArgumentError('expected an amount in USD above 0.');
  return number;
}
