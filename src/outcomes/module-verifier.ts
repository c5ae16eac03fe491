import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { checkedScore, type Verifier } from './verifier.js';

type ScoreFunction = (...input: Parameters<Verifier['score']>) => unknown;

const typeScriptExtensions = new Set(['.ts', '.mts', '.cts']);

/**
 * A custom verifier: a JavaScript or TypeScript module exporting `score(request, answer, reference)` that
 * returns (or resolves to) a number from 0 to 1 — as a named export, a default export, or the default
 * export's `score`. TypeScript is loaded as Node loads it where Node strips types itself (22.18 and later,
 * or 22.6 and later with `--experimental-strip-types`); elsewhere (Node 20) it is bundled with esbuild when
 * esbuild is installed (a development dependency of Sluice), else refused with what to do instead.
 */
export async function moduleVerifier(path: string): Promise<Verifier> {
  const file = resolve(path);
  const module = await importVerifier(file);
  const score = scoreFunctionOf(module);
  if (!score) throw new Error(`--verify ${path}: the module exports no score(request, answer) function`);
  return {
    name: path,
    score: async (request, answer, reference) => checkedScore(await score(request, answer, reference), path),
  };
}

function scoreFunctionOf(module: Record<string, unknown>): ScoreFunction | undefined {
  if (typeof module.score === 'function') return module.score as ScoreFunction;
  const fallback = module.default;
  if (typeof fallback === 'function') return fallback as ScoreFunction;
  if (fallback !== null && typeof fallback === 'object' && typeof (fallback as { score?: unknown }).score === 'function') {
    const holder = fallback as { score: ScoreFunction };
    return (...input) => holder.score(...input);
  }
  return undefined;
}

async function importVerifier(file: string): Promise<Record<string, unknown>> {
  try {
    return (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' && !(error as Error).message.includes(file)) throw error;
    if (code === 'ERR_MODULE_NOT_FOUND') throw new Error(`--verify ${file}: no such file`);
    if (code !== 'ERR_UNKNOWN_FILE_EXTENSION' || !typeScriptExtensions.has(extname(file))) throw error;
    return importBundled(file);
  }
}

/**
 * This Node cannot strip types: the module (and what it imports from its own folder) is bundled to
 * JavaScript with esbuild beside the source — so its own imports of packages resolve from where they would —
 * imported, and the bundle removed.
 */
async function importBundled(file: string): Promise<Record<string, unknown>> {
  let esbuild: typeof import('esbuild');
  try {
    esbuild = await import('esbuild');
  } catch {
    throw new Error(
      `--verify ${file}: this Node (${process.version}) cannot load TypeScript and esbuild is not installed; run on Node 22.18 or later ` +
        '(or 22.6 and later with NODE_OPTIONS=--experimental-strip-types), or compile the verifier to JavaScript',
    );
  }
  const bundle = join(dirname(file), `.${basename(file, extname(file))}.${randomBytes(6).toString('hex')}.mjs`);
  try {
    await esbuild.build({ entryPoints: [file], outfile: bundle, bundle: true, platform: 'node', format: 'esm', packages: 'external', logLevel: 'silent' });
    return (await import(pathToFileURL(bundle).href)) as Record<string, unknown>;
  } finally {
    await rm(bundle, { force: true });
  }
}
