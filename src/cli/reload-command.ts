import { Command } from 'commander';

/** Where `sluice serve` listens by default. */
const defaultUrl = 'http://127.0.0.1:8422';

/**
 * `sluice reload`: asks a running gateway to re-read its config file (`POST /admin/reload`), with an admin
 * key from SLUICE_ADMIN_KEY (or `--key`, which other users of the machine can see in the process list).
 * Exits 1 when the gateway refuses the config, printing why; the gateway keeps the config it runs.
 */
export function reloadCommand(): Command {
  return new Command('reload')
    .description('make a running gateway re-read its config file (as SIGHUP does)')
    .option('--url <url>', `the gateway's base URL (or set SLUICE_URL; default ${defaultUrl})`)
    .option('--key <key>', 'an admin key (prefer setting SLUICE_ADMIN_KEY)')
    .action(async (options: { url?: string; key?: string }) => {
      const key = options.key ?? process.env.SLUICE_ADMIN_KEY;
      if (!key) throw new Error('an admin key is needed: set SLUICE_ADMIN_KEY (or pass --key)');
      const base = (options.url ?? process.env.SLUICE_URL ?? defaultUrl).replace(/\/+$/, '');
      let response: Response;
      try {
        response = await fetch(`${base}/admin/reload`, {
          method: 'POST',
          headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
          body: '{}',
        });
      } catch (error) {
        const cause = (error as { cause?: { code?: string; message?: string } }).cause;
        throw new Error(`cannot reach the gateway at ${base}: ${cause?.code ?? cause?.message ?? String(error)}`);
      }
      const text = await response.text();
      const body = parseJson(text);
      if (!response.ok) {
        const message = (body as { error?: { message?: unknown } } | undefined)?.error?.message;
        throw new Error(typeof message === 'string' ? message : `the gateway answered ${response.status}: ${text.slice(0, 200)}`);
      }
      const changed = (body as { changed?: unknown } | undefined)?.changed;
      const names = Array.isArray(changed) ? changed.map(String) : [];
      process.stdout.write(names.length > 0 ? `reloaded: ${names.join(', ')} changed\n` : 'reloaded: nothing changed\n');
    });
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
