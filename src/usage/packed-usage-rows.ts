import type { AttemptRecord } from '../domain/attempt-record.js';
import type { DialectName } from '../domain/dialect-name.js';
import type { Operation } from '../domain/operation.js';
import type { LinearRates } from '../domain/price-rates.js';
import type { UsageOutcome, UsageRow } from '../domain/usage-row.js';

/**
 * A batch of usage rows as the request thread posts it to the usage writer thread: columns of numbers and
 * flags in typed arrays (moved, not copied), and the batch's distinct strings once, with every text field an
 * index into them. Structured clone spells every row object's 45 property names and rebuilds each object a
 * property at a time (~4 µs a row to read back on the writer thread, measured at 500 a batch); this is a
 * few typed arrays and one list of a few hundred short strings, read back into rows of one shape.
 */
export interface PackedUsageRows {
  count: number;
  /** The batch's distinct strings; a text slot holds an index into them, -1 for null. */
  strings: string[];
  /** `count` × `textFields.length`, row by row. */
  texts: Int32Array;
  /** `count` × `numberFields.length`, row by row; a null (or absent) value's slot is marked in `numberNulls`. */
  numbers: Float64Array;
  /** 0 a value, 1 null or absent. */
  numberNulls: Uint8Array;
  /** `count` × `flagFields.length`, 1 for true. */
  flags: Uint8Array;
  /** Row `n`'s tags are `tagStrings[tagStarts[n]..tagStarts[n + 1])`. */
  tagStarts: Int32Array;
  tagStrings: Int32Array;
  /** As the request path set them (usually null: the writer thread prices). */
  priceRates: Array<LinearRates | null>;
  /** Row `n`'s attempts are `attemptStarts[n]..attemptStarts[n + 1]` of the attempt columns below. */
  attemptStarts: Int32Array;
  attemptTexts: Int32Array;
  attemptNumbers: Float64Array;
  attemptNumberNulls: Uint8Array;
}

const textFields = [
  'id',
  'keyId',
  'userName',
  'teamName',
  'requester',
  'runId',
  'trialId',
  'inboundDialect',
  'operation',
  'provider',
  'requestedModel',
  'groupName',
  'policy',
  'upstreamModel',
  'reportedModel',
  'outcome',
  'errorCode',
  'priceSource',
] as const satisfies ReadonlyArray<keyof UsageRow>;

const numberFields = [
  'createdAt',
  'statusCode',
  'inputTokens',
  'outputTokens',
  'cacheReadTokens',
  'cacheWriteTokens',
  'reasoningTokens',
  'imageCount',
  'imageTokens',
  'savedCostUsd',
  'costUsd',
  'billedCostUsd',
  'latencyMs',
  'timeToFirstByteMs',
  'attempts',
  'queueWaitMs',
  'pricingEpoch',
] as const satisfies ReadonlyArray<keyof UsageRow>;

const flagFields = ['stream', 'callerProviderKey', 'outputTokensEstimated', 'inputTokensEstimated', 'cached', 'fallback'] as const satisfies ReadonlyArray<keyof UsageRow>;

/** A usage row field missing from the lists above (and not packed apart) fails to compile here. */
type PackedApart = 'tags' | 'priceRates' | 'attemptTrail';
const _everyUsageFieldPacked: [Exclude<keyof UsageRow, (typeof textFields)[number] | (typeof numberFields)[number] | (typeof flagFields)[number] | PackedApart>] extends [never]
  ? true
  : false = true;

const attemptTextFields = ['target', 'provider', 'model', 'errorCode'] as const satisfies ReadonlyArray<keyof AttemptRecord>;
const attemptNumberFields = ['statusCode', 'retryAfterMs', 'timeToFirstByteMs', 'durationMs'] as const satisfies ReadonlyArray<keyof AttemptRecord>;
const _everyAttemptFieldPacked: [Exclude<keyof AttemptRecord, (typeof attemptTextFields)[number] | (typeof attemptNumberFields)[number]>] extends [never] ? true : false = true;

/** Each field's slot in its row's run of slots. */
function slotsOf<Field extends string>(fields: readonly Field[]): Readonly<Record<Field, number>> {
  return Object.fromEntries(fields.map((field, index) => [field, index])) as Record<Field, number>;
}
const T = slotsOf(textFields);
const N = slotsOf(numberFields);
const F = slotsOf(flagFields);
const AT = slotsOf(attemptTextFields);
const AN = slotsOf(attemptNumberFields);

const isNull = 1;

/** The batch's strings, each once. */
class StringTable {
  readonly strings: string[] = [];
  readonly #indexes = new Map<string, number>();

  indexOf(value: string | null | undefined): number {
    if (value === null || value === undefined) return -1;
    let index = this.#indexes.get(value);
    if (index === undefined) {
      index = this.strings.length;
      this.strings.push(value);
      this.#indexes.set(value, index);
    }
    return index;
  }
}

/** A batch's rows packed to post (see `PackedUsageRows`), and the buffers to move with it. */
export function packUsageRows(rows: readonly UsageRow[]): { packed: PackedUsageRows; transfer: ArrayBuffer[] } {
  const count = rows.length;
  const table = new StringTable();
  const texts = new Int32Array(count * textFields.length);
  const numbers = new Float64Array(count * numberFields.length);
  const numberNulls = new Uint8Array(count * numberFields.length);
  const flags = new Uint8Array(count * flagFields.length);
  const tagStarts = new Int32Array(count + 1);
  const attemptStarts = new Int32Array(count + 1);
  const priceRates = new Array<LinearRates | null>(count);
  let tagCount = 0;
  let attemptCount = 0;
  for (let index = 0; index < count; index++) {
    tagCount += rows[index]!.tags.length;
    attemptCount += rows[index]!.attemptTrail.length;
  }
  const tagStrings = new Int32Array(tagCount);
  const attemptTexts = new Int32Array(attemptCount * attemptTextFields.length);
  const attemptNumbers = new Float64Array(attemptCount * attemptNumberFields.length);
  const attemptNumberNulls = new Uint8Array(attemptCount * attemptNumberFields.length);
  let tag = 0;
  let attempt = 0;
  for (let index = 0; index < count; index++) {
    const row = rows[index]!;
    const textBase = index * textFields.length;
    for (let field = 0; field < textFields.length; field++) texts[textBase + field] = table.indexOf(row[textFields[field]!]);
    const numberBase = index * numberFields.length;
    for (let field = 0; field < numberFields.length; field++) {
      const value = row[numberFields[field]!];
      if (value === null || value === undefined) numberNulls[numberBase + field] = isNull;
      else numbers[numberBase + field] = value;
    }
    const flagBase = index * flagFields.length;
    for (let field = 0; field < flagFields.length; field++) flags[flagBase + field] = row[flagFields[field]!] ? 1 : 0;
    tagStarts[index] = tag;
    for (const value of row.tags) tagStrings[tag++] = table.indexOf(value);
    priceRates[index] = row.priceRates;
    attemptStarts[index] = attempt;
    for (const record of row.attemptTrail) {
      const attemptTextBase = attempt * attemptTextFields.length;
      for (let field = 0; field < attemptTextFields.length; field++) attemptTexts[attemptTextBase + field] = table.indexOf(record[attemptTextFields[field]!]);
      const attemptNumberBase = attempt * attemptNumberFields.length;
      for (let field = 0; field < attemptNumberFields.length; field++) {
        const value = record[attemptNumberFields[field]!];
        if (value === null) attemptNumberNulls[attemptNumberBase + field] = isNull;
        else attemptNumbers[attemptNumberBase + field] = value;
      }
      attempt++;
    }
  }
  tagStarts[count] = tag;
  attemptStarts[count] = attempt;
  const packed: PackedUsageRows = {
    count,
    strings: table.strings,
    texts,
    numbers,
    numberNulls,
    flags,
    tagStarts,
    tagStrings,
    priceRates,
    attemptStarts,
    attemptTexts,
    attemptNumbers,
    attemptNumberNulls,
  };
  const transfer = [texts, numbers, numberNulls, flags, tagStarts, tagStrings, attemptStarts, attemptTexts, attemptNumbers, attemptNumberNulls].map((array) => array.buffer as ArrayBuffer);
  return { packed, transfer };
}

/** The rows of a packed batch, in order, each built in one shape. */
export function unpackUsageRows(packed: PackedUsageRows): UsageRow[] {
  const { strings, texts, numbers, numberNulls, flags, tagStarts, tagStrings, priceRates, attemptStarts, attemptTexts, attemptNumbers, attemptNumberNulls } = packed;
  let textBase = 0;
  let numberBase = 0;
  let flagBase = 0;
  const text = (slot: number): string | null => {
    const index = texts[textBase + slot]!;
    return index < 0 ? null : strings[index]!;
  };
  const number = (slot: number): number | null => (numberNulls[numberBase + slot] === 0 ? numbers[numberBase + slot]! : null);
  const flag = (slot: number): boolean => flags[flagBase + slot] === 1;
  let attemptTextBase = 0;
  let attemptNumberBase = 0;
  const attemptText = (slot: number): string | null => {
    const index = attemptTexts[attemptTextBase + slot]!;
    return index < 0 ? null : strings[index]!;
  };
  const attemptNumber = (slot: number): number | null => (attemptNumberNulls[attemptNumberBase + slot] === 0 ? attemptNumbers[attemptNumberBase + slot]! : null);
  const rows = new Array<UsageRow>(packed.count);
  for (let index = 0; index < packed.count; index++) {
    textBase = index * textFields.length;
    numberBase = index * numberFields.length;
    flagBase = index * flagFields.length;
    const tags: string[] = [];
    for (let tag = tagStarts[index]!; tag < tagStarts[index + 1]!; tag++) tags.push(strings[tagStrings[tag]!]!);
    const attemptTrail: AttemptRecord[] = [];
    for (let attempt = attemptStarts[index]!; attempt < attemptStarts[index + 1]!; attempt++) {
      attemptTextBase = attempt * attemptTextFields.length;
      attemptNumberBase = attempt * attemptNumberFields.length;
      attemptTrail.push({
        target: attemptText(AT.target)!,
        provider: attemptText(AT.provider)!,
        model: attemptText(AT.model)!,
        statusCode: attemptNumber(AN.statusCode),
        errorCode: attemptText(AT.errorCode),
        retryAfterMs: attemptNumber(AN.retryAfterMs),
        timeToFirstByteMs: attemptNumber(AN.timeToFirstByteMs),
        durationMs: attemptNumber(AN.durationMs)!,
      });
    }
    const row: UsageRow = {
      id: text(T.id)!,
      createdAt: number(N.createdAt)!,
      keyId: text(T.keyId),
      userName: text(T.userName),
      teamName: text(T.teamName),
      requester: text(T.requester),
      tags,
      runId: text(T.runId),
      trialId: text(T.trialId),
      inboundDialect: text(T.inboundDialect) as DialectName,
      operation: text(T.operation) as Operation,
      provider: text(T.provider),
      requestedModel: text(T.requestedModel),
      groupName: text(T.groupName),
      policy: text(T.policy),
      upstreamModel: text(T.upstreamModel),
      reportedModel: text(T.reportedModel),
      stream: flag(F.stream),
      callerProviderKey: flag(F.callerProviderKey),
      statusCode: number(N.statusCode)!,
      outcome: text(T.outcome) as UsageOutcome,
      errorCode: text(T.errorCode),
      inputTokens: number(N.inputTokens)!,
      outputTokens: number(N.outputTokens)!,
      cacheReadTokens: number(N.cacheReadTokens)!,
      cacheWriteTokens: number(N.cacheWriteTokens)!,
      reasoningTokens: number(N.reasoningTokens)!,
      imageCount: number(N.imageCount)!,
      imageTokens: number(N.imageTokens)!,
      outputTokensEstimated: flag(F.outputTokensEstimated),
      inputTokensEstimated: flag(F.inputTokensEstimated),
      cached: flag(F.cached),
      savedCostUsd: number(N.savedCostUsd),
      costUsd: number(N.costUsd),
      priceSource: text(T.priceSource),
      priceRates: priceRates[index] ?? null,
      billedCostUsd: number(N.billedCostUsd),
      latencyMs: number(N.latencyMs)!,
      timeToFirstByteMs: number(N.timeToFirstByteMs),
      attempts: number(N.attempts)!,
      fallback: flag(F.fallback),
      queueWaitMs: number(N.queueWaitMs),
      attemptTrail,
      // Always present (undefined when the call carried none), so every row has one shape.
      pricingEpoch: number(N.pricingEpoch) ?? undefined,
    };
    rows[index] = row;
  }
  return rows;
}
