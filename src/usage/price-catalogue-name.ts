import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/**
 * The price catalogue and its version, as usage rows name it (`genai-prices@0.1.8`): a cost recorded today
 * can be traced to the prices it was computed from after the package is upgraded. The package's exports
 * hide its package.json, so it is read next to the resolved entry point, once, when this module loads.
 */
export const priceCatalogueName = `genai-prices@${catalogueVersion()}`;

function catalogueVersion(): string {
  try {
    const entry = createRequire(import.meta.url).resolve('@pydantic/genai-prices');
    const manifest = JSON.parse(readFileSync(join(dirname(entry), '..', 'package.json'), 'utf8')) as { version?: unknown };
    return typeof manifest.version === 'string' ? manifest.version : 'unknown';
  } catch {
    return 'unknown';
  }
}
