import { describe, expect, it } from 'vitest';
import { CounterFamily, HistogramFamily } from '../../src/metrics/metric-families.js';

describe('the per-call families\' exposition', () => {
  it('writes counters with escaped label values, HELP and TYPE even before a sample', () => {
    const family = new CounterFamily({ name: 'demo_total', help: 'Demo.', labelNames: ['provider', 'model'] });
    const empty: string[] = [];
    family.write(empty);
    expect(empty).toEqual(['# HELP demo_total Demo.', '# TYPE demo_total counter']);
    const cell = family.cell(['local', 'a "quoted" \\ name\nnext']);
    cell.inc();
    cell.inc(2.5);
    const lines: string[] = [];
    family.write(lines);
    expect(lines[2]).toBe('demo_total{provider="local",model="a \\"quoted\\" \\\\ name\\nnext"} 3.5');
  });

  it('writes histograms with cumulative buckets, +Inf, sum and count', () => {
    const family = new HistogramFamily({ name: 'demo_seconds', help: 'Demo.', labelNames: ['dialect'], buckets: [1, 0.5, 2] });
    const cell = family.cell(['gemini']);
    for (const value of [0.2, 0.5, 0.7, 1.5, 9]) cell.observe(value);
    const lines: string[] = [];
    family.write(lines);
    expect(lines.slice(2)).toEqual([
      'demo_seconds_bucket{dialect="gemini",le="0.5"} 2',
      'demo_seconds_bucket{dialect="gemini",le="1"} 3',
      'demo_seconds_bucket{dialect="gemini",le="2"} 4',
      'demo_seconds_bucket{dialect="gemini",le="+Inf"} 5',
      'demo_seconds_sum{dialect="gemini"} 11.9',
      'demo_seconds_count{dialect="gemini"} 5',
    ]);
  });
});
