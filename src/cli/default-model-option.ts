import type { Command } from 'commander';

/** `--default-model` on `keys issue`, `keys update` and `teams set`. */
export function addDefaultModelOption(command: Command): Command {
  return command.option('--default-model <model>', 'model, alias or group for requests that name no model ("" clears it)');
}

/**
 * The default model to store: the flag's value, none for `--default-model ""`, and the stored one when the
 * flag was not given.
 */
export function defaultModelFromFlag(flag: string | undefined, existing: string | null = null): string | null {
  if (flag === undefined) return existing;
  const trimmed = flag.trim();
  return trimmed === '' ? null : trimmed;
}
