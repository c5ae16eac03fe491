import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { JsonObject } from '../dialects/wire-facts.js';
import type { DialectName } from '../domain/dialect-name.js';
import { dialects } from '../dialects/dialects.js';

export type CacheMode = 'use' | 'refresh';
export type CachePartition = 'key' | 'team' | 'global';

const defaultTtlSeconds = 7 * 86_400;
const maximumTtlSeconds = 365 * 86_400;

/** `x-sluice-cache: true` reads and writes; `refresh` always calls and overwrites; absent means no cache. */
export function cacheModeOf(headers: IncomingHttpHeaders): CacheMode | undefined {
  const value = String(headers['x-sluice-cache'] ?? '').trim().toLowerCase();
  if (value === 'true' || value === '1' || value === 'yes') return 'use';
  if (value === 'refresh') return 'refresh';
  return undefined;
}

/** The TTL from `Cache-Control: max-age=N` (seconds), 7 days by default, at most a year. */
export function cacheTtlMs(headers: IncomingHttpHeaders): number {
  const match = /max-age=(\d+)/.exec(String(headers['cache-control'] ?? ''));
  const seconds = match ? Number(match[1]) : defaultTtlSeconds;
  return Math.min(Math.max(seconds, 1), maximumTtlSeconds) * 1000;
}

/**
 * SHA-256 over the canonical form (sorted keys) of everything that changes the answer: the resolved
 * provider and model, and the body minus the caller's shape's delivery and attribution fields, within a tenant partition so one
 * tenant can never read another's answers. Fields Sluice does not model still count: an unknown parameter
 * may change the answer.
 */
export function cacheKey(options: {
  partition: string;
  dialect: DialectName;
  provider: string;
  upstreamModel: string;
  body: JsonObject;
  /** Gemini names streaming in the URL, others in the body; neither matters to the answer. */
  /** Undefined: chat. An embeddings entry never answers a chat call, nor the other way round. */
  operation?: 'embeddings' | undefined;
}): string {
  // Fields of the caller's shape that do not change the answer (delivery, attribution) are left out.
  const ignoredFields = dialects[options.dialect].cacheIgnoredFields;
  const meaningful = Object.fromEntries(Object.entries(options.body).filter(([field]) => !ignoredFields.has(field)));
  // An undefined operation is left out of the text, so chat keys are what they always were.
  const canonical = canonicalJson({ partition: options.partition, dialect: options.dialect, provider: options.provider, model: options.upstreamModel, operation: options.operation, body: meaningful });
  return createHash('sha256').update(canonical).digest('hex');
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, item]) => item !== undefined)
      .sort(([left], [right]) => (left < right ? -1 : left > right ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** The tenant an entry belongs to. */
export function partitionOf(partition: CachePartition, key: { id: string; teamName: string | null }): string {
  if (partition === 'global') return 'global';
  if (partition === 'team' && key.teamName) return `team:${key.teamName}`;
  return `key:${key.id}`;
}
