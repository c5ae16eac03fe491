import { z } from 'zod';
import { GatewayError } from '../errors/gateway-error.js';
import type { AnalyticsFilters } from '../store/analytics-store.js';

/** A request's query string as Fastify parses it. */
export type QueryParameters = Readonly<Record<string, string | string[] | undefined>>;

const unitMs = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const longestWindowMs = 400 * unitMs.d;

function invalid(param: string, message: string): GatewayError {
  return new GatewayError('invalid_request', message, { param });
}

/** One parameter's text, or undefined; a parameter given twice is refused rather than guessed at. */
export function parameter(query: QueryParameters, name: string): string | undefined {
  const value = query[name];
  if (Array.isArray(value)) throw invalid(name, `The parameter '${name}' is given more than once.`);
  return value;
}

/** A parameter validated by a zod schema; a failure is a 400 naming it, with `message`. */
export function parsedParameter<Output>(query: QueryParameters, name: string, schema: z.ZodType<Output, z.ZodTypeDef, string>, message: string): Output | undefined {
  const text = parameter(query, name);
  if (text === undefined) return undefined;
  const result = schema.safeParse(text);
  if (!result.success) throw invalid(name, message);
  return result.data;
}

/** One of a fixed set of values; anything else is a 400 listing them. */
export function choiceParameter<Choice extends string>(query: QueryParameters, name: string, choices: readonly [Choice, ...Choice[]]): Choice | undefined {
  return parsedParameter(query, name, z.enum(choices), `'${name}' must be one of: ${choices.join(', ')}.`);
}

/** `30m`, `24h`, `7d`…: a duration in ms. */
export function parseDuration(text: string): number | undefined {
  const match = /^([1-9][0-9]{0,5})([mhd])$/.exec(text);
  if (!match) return undefined;
  return Number(match[1]) * unitMs[match[2] as keyof typeof unitMs];
}

const durationSchema = z.string().transform((text, context) => {
  const duration = parseDuration(text);
  if (duration === undefined || duration > longestWindowMs) {
    context.addIssue({ code: z.ZodIssueCode.custom });
    return z.NEVER;
  }
  return duration;
});

const instantSchema = z.string().transform((text, context) => {
  // ISO-8601 only: Date.parse also takes forms like "Nov 22" that nobody means here.
  const time = /^\d{4}-\d{2}-\d{2}(T[0-9:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(text) ? Date.parse(text) : NaN;
  if (Number.isNaN(time)) {
    context.addIssue({ code: z.ZodIssueCode.custom });
    return z.NEVER;
  }
  return time;
});

/** The asked window `[from, to)`: `from`/`to` (ISO-8601; `to` defaults to now), else `window` back from `to` (24h by default). */
export function parseWindow(query: QueryParameters, now: number): { from: number; to: number } {
  const windowMs = parsedParameter(query, 'window', durationSchema, "'window' must be a duration such as 30m, 24h, 7d or 30d (at most 400d).") ?? unitMs.d;
  const isoMessage = (name: string) => `'${name}' must be an ISO-8601 time such as 2026-11-22T10:00:00Z.`;
  const to = parsedParameter(query, 'to', instantSchema, isoMessage('to')) ?? now;
  const from = parsedParameter(query, 'from', instantSchema, isoMessage('from')) ?? to - windowMs;
  if (from >= to) throw invalid('from', "'from' must be before 'to'.");
  if (to - from > longestWindowMs) throw invalid('from', 'A window spans at most 400 days.');
  return { from, to };
}

const filterNames = ['key', 'user', 'team', 'model', 'provider', 'tag', 'group', 'requester'] as const satisfies ReadonlyArray<keyof AnalyticsFilters>;

/** The window every report takes. */
export const windowParameterNames = ['window', 'from', 'to'] as const;

/** The filters every report takes: the exact-match ones, and `gateway_key`, another name for `key`. */
export const filterParameterNames = [...filterNames, 'gateway_key'] as const;

/** The exact-match filters given (an empty value is refused: it would match nothing by accident). */
export function parseFilters(query: QueryParameters): AnalyticsFilters {
  const filters: AnalyticsFilters = {};
  for (const name of filterNames) {
    const [given, value] = name === 'key' ? keyParameter(query) : [name, parameter(query, name)];
    if (value === undefined) continue;
    if (value.length === 0 || value.length > 512) throw invalid(given, `'${given}' must be 1 to 512 characters.`);
    filters[name] = value;
  }
  return filters;
}

/**
 * The key filter, under either of its names, and the name it came under (for errors). Both names with one
 * value is the same filter; with two values no answer could be right, so it is refused.
 */
function keyParameter(query: QueryParameters): [name: 'key' | 'gateway_key', value: string | undefined] {
  const key = parameter(query, 'key');
  const gatewayKey = parameter(query, 'gateway_key');
  if (key !== undefined && gatewayKey !== undefined && key !== gatewayKey) {
    throw invalid('gateway_key', "'gateway_key' is another name for 'key'; they name different keys.");
  }
  return key === undefined && gatewayKey !== undefined ? ['gateway_key', gatewayKey] : ['key', key];
}

/** A whole number in a range. */
export function integerParameter(query: QueryParameters, name: string, minimum: number, maximum: number): number | undefined {
  const schema = z
    .string()
    .regex(/^[0-9]{1,9}$/)
    .transform(Number)
    .pipe(z.number().int().min(minimum).max(maximum));
  return parsedParameter(query, name, schema, `'${name}' must be a whole number from ${minimum} to ${maximum}.`);
}

/** `true` or `false`. */
export function booleanParameter(query: QueryParameters, name: string): boolean | undefined {
  const choice = choiceParameter(query, name, ['true', 'false']);
  return choice === undefined ? undefined : choice === 'true';
}
