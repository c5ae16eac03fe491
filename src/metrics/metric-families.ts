/**
 * The per-call metric families, kept in cells of our own rather than in prom-client's children: a
 * prom-client child hashes its label object on every `inc`/`observe` (0.4 to 1 µs each on the bench machine,
 * and a call makes about eight), and its registry formats each sample line through label objects (about 10
 * µs a line, so a registry with tens of thousands of lines took most of a second to scrape). Here a cell is
 * found once per label pair and kept (model-series.ts), recording is a number added in place, and a scrape
 * appends a number to each line's text, escaped and built once when the cell was made. The text follows the Prometheus
 * exposition format 0.0.4, the content type of the prom-client registry it is appended to.
 */

export interface CounterCell {
  inc(amount?: number): void;
}

export interface HistogramCell {
  observe(value: number): void;
}

class Counted implements CounterCell {
  value = 0;
  /** `name{labels} `: a scrape appends the value. */
  readonly linePrefix: string;

  constructor(linePrefix: string) {
    this.linePrefix = linePrefix;
  }

  inc(amount = 1): void {
    this.value += amount;
  }
}

class Observed implements HistogramCell {
  /** Per bucket, not cumulative (made cumulative when written); observations above the last bound are only in `count`. */
  readonly counts: Float64Array;
  /** Each sample line up to its value (`name_bucket{…,le="0.5"} `…, then +Inf, _sum, _count): a scrape appends numbers only. */
  readonly linePrefixes: readonly string[];
  readonly #bounds: readonly number[];
  sum = 0;
  count = 0;

  constructor(linePrefixes: readonly string[], bounds: readonly number[]) {
    this.linePrefixes = linePrefixes;
    this.#bounds = bounds;
    this.counts = new Float64Array(bounds.length);
  }

  observe(value: number): void {
    const bounds = this.#bounds;
    for (let index = 0; index < bounds.length; index++) {
      if (value <= bounds[index]!) {
        this.counts[index]!++;
        break;
      }
    }
    this.sum += value;
    this.count++;
  }
}

abstract class Family<Cell> {
  readonly name: string;
  readonly #help: string;
  readonly #labelNames: readonly string[];
  protected readonly cells: Cell[] = [];

  constructor(options: { name: string; help: string; labelNames: readonly string[] }) {
    this.name = options.name;
    this.#help = options.help;
    this.#labelNames = options.labelNames;
  }

  /** A new cell for these label values (in `labelNames` order); the caller keeps it, and asks once per label set. */
  cell(labelValues: readonly string[]): Cell {
    const labelText = this.#labelNames.map((name, index) => `${name}="${escapeLabelValue(labelValues[index] ?? '')}"`).join(',');
    const cell = this.createCell(labelText);
    this.cells.push(cell);
    return cell;
  }

  /** HELP and TYPE always, as prom-client does, so a dashboard sees the family before its first sample. */
  write(lines: string[]): void {
    lines.push(`# HELP ${this.name} ${this.#help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`, `# TYPE ${this.name} ${this.type}`);
    this.writeSamples(lines);
  }

  protected abstract readonly type: 'counter' | 'histogram';
  protected abstract createCell(labelText: string): Cell;
  protected abstract writeSamples(lines: string[]): void;
}

export class CounterFamily extends Family<CounterCell> {
  protected readonly type = 'counter';
  protected override readonly cells: Counted[] = [];

  protected createCell(labelText: string): Counted {
    return new Counted(`${this.name}{${labelText}} `);
  }

  protected writeSamples(lines: string[]): void {
    for (const cell of this.cells) lines.push(cell.linePrefix + cell.value);
  }
}

export class HistogramFamily extends Family<HistogramCell> {
  protected readonly type = 'histogram';
  protected override readonly cells: Observed[] = [];
  readonly #bounds: readonly number[];

  constructor(options: { name: string; help: string; labelNames: readonly string[]; buckets: readonly number[] }) {
    super(options);
    this.#bounds = [...options.buckets].sort((left, right) => left - right);
  }

  protected createCell(labelText: string): Observed {
    const bucket = `${this.name}_bucket{${labelText},le="`;
    const prefixes = [...this.#bounds.map((bound) => `${bucket}${bound}"} `), `${bucket}+Inf"} `, `${this.name}_sum{${labelText}} `, `${this.name}_count{${labelText}} `];
    return new Observed(prefixes, this.#bounds);
  }

  protected writeSamples(lines: string[]): void {
    const bucketCount = this.#bounds.length;
    for (const cell of this.cells) {
      const prefixes = cell.linePrefixes;
      let cumulative = 0;
      for (let index = 0; index < bucketCount; index++) {
        cumulative += cell.counts[index]!;
        lines.push(prefixes[index]! + cumulative);
      }
      lines.push(prefixes[bucketCount]! + cell.count, prefixes[bucketCount + 1]! + cell.sum, prefixes[bucketCount + 2]! + cell.count);
    }
  }
}

/** The exposition format's escapes inside a label value: backslash, double quote, line feed. */
function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}
