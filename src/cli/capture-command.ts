import { Command, InvalidArgumentError } from 'commander';
import { captureJson } from '../capture/capture-json.js';
import { CaptureReader } from '../capture/capture-reader.js';
import type { CaptureFilter } from '../domain/captured-exchange.js';
import { loadMasterKey, SecretBox } from '../keys/secret-box.js';
import { openStore, type CommonOptions } from './open-store.js';
import { parseWindow } from './usage-command.js';

/** Captures deleted per statement by a purge: small, so a gateway writing to the same database never waits long. */
const purgeBatch = 1_000;

/** `sluice capture show|purge`: read a captured call (opened with the master key), or delete captures. */
export function captureCommand(): Command {
  const capture = new Command('capture').description('read and delete captured calls (governed content capture)');

  capture
    .command('show <requestId>')
    .description("print a captured call's request and answer as JSON (what GET /admin/captures/{id} answers)")
    .option('--config <path>', 'path to sluice.yaml')
    .action(async (requestId: string, options: CommonOptions) => {
      const { config, store } = await openStore(options);
      try {
        const masterKey = await loadMasterKey({ env: process.env, dataDirectory: config.dataDir });
        const exchange = await new CaptureReader(store, new SecretBox(masterKey.key)).find(requestId);
        if (exchange === undefined) throw new Error(`no capture of request '${requestId}' (not captured, or deleted by retention or a purge)`);
        process.stdout.write(`${JSON.stringify(captureJson(exchange), null, 2)}\n`);
      } finally {
        await store.close();
      }
    });

  capture
    .command('purge')
    .description('delete captures: those of a key, of a team, older than a date; every flag given narrows (--all: every capture)')
    .option('--key <idOrName>', "a key's captures (by id or name)", nonEmpty('--key'))
    .option('--team <team>', "a team's captures", nonEmpty('--team'))
    .option('--before <when>', 'captures made before this: an ISO date or time (2026-01-31, 2026-01-31T12:00Z), or an age such as 30d or 12h', beforeOf)
    .option('--all', 'with no other flag: delete every capture', false)
    .option('--config <path>', 'path to sluice.yaml')
    .action(async (options: CommonOptions & { key?: string; team?: string; before?: number; all: boolean }) => {
      const narrowed = options.key !== undefined || options.team !== undefined || options.before !== undefined;
      if (!narrowed && !options.all) throw new Error('name what to purge: --key, --team, --before (or --all for every capture)');
      if (narrowed && options.all) throw new Error('--all purges every capture; it takes no --key, --team or --before');
      const { store } = await openStore(options);
      try {
        const filter: CaptureFilter = {};
        if (options.key !== undefined) {
          const key = (await store.listKeys()).find((candidate) => candidate.id === options.key || candidate.name === options.key);
          // A deleted key's captures are still reachable by its id.
          filter.keyId = key?.id ?? options.key;
        }
        if (options.team !== undefined) filter.teamName = options.team;
        if (options.before !== undefined) filter.before = options.before;
        let deleted = 0;
        for (;;) {
          const count = await store.purgeCaptures(filter, purgeBatch);
          deleted += count;
          if (count < purgeBatch) break;
        }
        process.stdout.write(`Deleted ${deleted} capture${deleted === 1 ? '' : 's'}.\n`);
      } finally {
        await store.close();
      }
    });

  return capture;
}

function nonEmpty(flag: string): (value: string) => string {
  return (value) => {
    if (value.trim().length === 0) throw new InvalidArgumentError(`${flag} needs a value.`);
    return value.trim();
  };
}

/** `--before`: an ISO date or time, or an age (`30d`: thirty days before now); epoch ms. */
function beforeOf(value: string): number {
  const text = value.trim();
  if (/^\d+\s*[mhdw]$/.test(text)) return Date.now() - parseWindow(text);
  const time = /^\d{4}-\d{2}-\d{2}/.test(text) ? Date.parse(text) : Number.NaN;
  if (Number.isNaN(time)) throw new InvalidArgumentError(`expected an ISO date or time (2026-01-31) or an age such as 30d, got '${value}'`);
  return time;
}
