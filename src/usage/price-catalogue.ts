import { createRequire } from 'node:module';
import type * as GenaiPrices from '@pydantic/genai-prices';

/**
 * The genai-prices catalogue, from the package's CommonJS build. Its ES module build is 831 KB of unminified
 * source holding a few non-Latin-1 characters, which V8 keeps, for as long as the module lives, as a 1.7 MB
 * two-byte string in every thread that loads it (the request thread and the usage writer's); the CommonJS
 * build is the same catalogue in 481 KB, and loading it costs each of those threads ~1.2 MB less heap.
 * Modules import the catalogue from here, never from the package.
 */
const catalogue = createRequire(import.meta.url)('@pydantic/genai-prices') as typeof GenaiPrices;

export const { calcPrice, findProvider } = catalogue;
export type { MatchLogic } from '@pydantic/genai-prices';
