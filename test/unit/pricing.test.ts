import { readFileSync } from 'node:fs';
import { calcPrice } from '@pydantic/genai-prices';
import { describe, expect, it } from 'vitest';
import { Pricer } from '../../src/usage/pricing.js';

/** The catalogue's own answer, rounded as Sluice rounds. */
function catalogue(provider: string, model: string, usage: { input: number; output: number; cacheRead: number; cacheWrite: number }): number | null {
  try {
    const result = calcPrice(
      { input_tokens: usage.input, output_tokens: usage.output, cache_read_tokens: usage.cacheRead, cache_write_tokens: usage.cacheWrite },
      model,
      { providerId: provider },
    );
    return result ? Math.round(result.total_price * 1e12) / 1e12 : null;
  } catch {
    return null;
  }
}

describe('pricing', () => {
  // Linear models, a tiered one (Gemini 2.5 Pro is dearer past 200k prompt tokens) and an unknown one.
  const models: Array<[string, string]> = [
    ['anthropic', 'claude-haiku-4-5'],
    ['anthropic', 'claude-sonnet-4-5'],
    ['openai', 'gpt-4o-mini'],
    ['openai', 'gpt-5'],
    ['google', 'gemini-2.5-pro'],
    ['google', 'gemini-2.5-flash'],
    ['mistral', 'mistral-large-latest'],
    ['openai', 'no-such-model'],
  ];

  it.each(models)('prices %s:%s exactly as the catalogue does, below and above any tier', (provider, model) => {
    const pricer = new Pricer({});
    for (const input of [10, 1_234, 150_000, 250_000, 1_500_000]) {
      for (const [output, cacheRead, cacheWrite] of [[0, 0, 0], [7, 0, 0], [5_000, 5, 0], [5_000, 0, 3]] as const) {
        const expected = catalogue(provider, model, { input, output, cacheRead, cacheWrite });
        const actual = pricer.price({ provider, pricingProviderId: provider, model, usage: { inputTokens: input, outputTokens: output, cacheReadTokens: cacheRead, cacheWriteTokens: cacheWrite, reasoningTokens: 0 } });
        if (expected === null) expect(actual).toBeNull();
        else expect(actual).toBeCloseTo(expected, 12);
      }
    }
  });

  it('prices tiered models from each tier\'s rates to the same rounded dollar as the catalogue, on either side of a tier', () => {
    // Random counts (seeded) around the 200k-token tiers, with cache reads and writes inside the prompt.
    let seed = 23;
    const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648;
    for (const [provider, model] of [['anthropic', 'claude-sonnet-4-5'], ['google', 'gemini-2.5-pro']] as const) {
      const pricer = new Pricer({});
      for (let call = 0; call < 2_000; call++) {
        const input = Math.floor(random() ** 2 * 400_000);
        const cacheRead = random() < 0.3 ? Math.floor((random() * input) / 2) : 0;
        const cacheWrite = random() < 0.2 ? Math.floor((random() * input) / 3) : 0;
        const output = Math.floor(random() * 5_000);
        const actual = pricer.quote({ provider, pricingProviderId: provider, model, usage: { inputTokens: input, outputTokens: output, cacheReadTokens: cacheRead, cacheWriteTokens: cacheWrite, reasoningTokens: 0 } });
        expect(actual?.source).toMatch(/\(tiered\)$/);
        expect(actual?.costUsd).toBe(catalogue(provider, model, { input, output, cacheRead, cacheWrite }));
      }
    }
  });

  it('prefers a configured price over the catalogue', () => {
    const pricer = new Pricer({ 'openai:gpt-4o-mini': { inputPerMillion: 1, outputPerMillion: 2 } });
    expect(pricer.price({ provider: 'openai', pricingProviderId: 'openai', model: 'gpt-4o-mini', usage: { inputTokens: 1_000_000, outputTokens: 500_000, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 } })).toBe(2);
  });
});

describe('price provenance', () => {
  const usage = { inputTokens: 1_000, outputTokens: 500, cacheReadTokens: 200, cacheWriteTokens: 0, reasoningTokens: 0 };
  const catalogueVersion = (JSON.parse(readFileSync('node_modules/@pydantic/genai-prices/package.json', 'utf8')) as { version: string }).version;

  /** What the rates explain: uncached input, cache reads and writes, output, and the fee per request. */
  const explained = (rates: { request: number; input: number; output: number; cacheRead: number; cacheWrite: number }) =>
    rates.request + ((usage.inputTokens - usage.cacheReadTokens - usage.cacheWriteTokens) * rates.input + usage.cacheReadTokens * rates.cacheRead + usage.outputTokens * rates.output) / 1e6;

  it('names the catalogue and its version, and gives rates that reproduce the cost', () => {
    const quote = new Pricer({}).quote({ provider: 'openai', pricingProviderId: 'openai', model: 'gpt-4o-mini', usage });
    expect(quote?.source).toBe(`genai-prices@${catalogueVersion}`);
    expect(quote?.rates).not.toBeNull();
    expect(explained(quote!.rates!)).toBeCloseTo(quote!.costUsd, 12);
  });

  it('names config for an override, with its rates (cache reads at the input rate when not given)', () => {
    const quote = new Pricer({ 'vllm:llama': { inputPerMillion: 2, outputPerMillion: 8 } }).quote({ provider: 'vllm', pricingProviderId: undefined, model: 'llama', usage });
    expect(quote).toEqual({ costUsd: explained({ request: 0, input: 2, output: 8, cacheRead: 2, cacheWrite: 2 }), source: 'config', rates: { request: 0, input: 2, output: 8, cacheRead: 2, cacheWrite: 2 } });
  });

  it('marks a prompt-size tiered price as such, without rates', () => {
    const quote = new Pricer({}).quote({ provider: 'gemini', pricingProviderId: 'google', model: 'gemini-2.5-pro', usage });
    expect(quote).toMatchObject({ source: `genai-prices@${catalogueVersion} (tiered)`, rates: null });
    expect(quote!.costUsd).toBeGreaterThan(0);
  });

  it('has no source when there is nothing to price, and no quote for an unknown model', () => {
    expect(new Pricer({}).quote({ provider: 'openai', pricingProviderId: 'openai', model: 'no-such-model', usage: { ...usage, inputTokens: 0, outputTokens: 0, cacheReadTokens: 0 } })).toEqual({ costUsd: 0, source: null, rates: null });
    expect(new Pricer({}).quote({ provider: 'openai', pricingProviderId: 'openai', model: 'no-such-model', usage })).toBeNull();
  });
});

describe('image inputs and billed costs', () => {
  const counts = { inputTokens: 1_000_000, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 };
  const imageCatalogue = (input: number, images: number) =>
    Math.round(calcPrice({ input_tokens: input, input_image_tokens: images }, 'gpt-image-1', { providerId: 'openai' })!.total_price * 1e12) / 1e12;

  it('prices image tokens at the catalogue’s image rate where it has one, exactly as the catalogue does', () => {
    const quote = new Pricer({}).quote({ provider: 'openai', pricingProviderId: 'openai', model: 'gpt-image-1', usage: { ...counts, imageTokens: 400_000 } });
    expect(quote?.rates?.inputImage).toBeGreaterThan(quote!.rates!.input);
    expect(quote!.costUsd).toBeCloseTo(imageCatalogue(1_000_000, 400_000), 12);
    // The same prompt without image tokens reported costs less: the image rate is dearer.
    expect(new Pricer({}).price({ provider: 'openai', pricingProviderId: 'openai', model: 'gpt-image-1', usage: counts })).toBeLessThan(quote!.costUsd);
  });

  it('keeps no image rate where images cost what input does, so those rows’ rates are unchanged', () => {
    const quote = new Pricer({}).quote({ provider: 'openai', pricingProviderId: 'openai', model: 'gpt-4o-mini', usage: { ...counts, imageTokens: 400_000 } });
    expect(quote?.rates).not.toHaveProperty('inputImage');
    expect(quote!.costUsd).toBe(new Pricer({}).price({ provider: 'openai', pricingProviderId: 'openai', model: 'gpt-4o-mini', usage: counts }));
  });

  it('settles on the billed cost only under preferBilled, and only when the upstream reported one', () => {
    const overrides = { 'vllm:llama': { inputPerMillion: 2, outputPerMillion: 8 } };
    const query = (billedCostUsd?: number) => ({
      provider: 'vllm',
      pricingProviderId: undefined,
      model: 'llama',
      usage: { ...counts, ...(billedCostUsd === undefined ? {} : { billedCostUsd }) },
    });
    expect(new Pricer(overrides).settledCostUsd(query(0.5))).toBe(2);
    expect(new Pricer(overrides, { preferBilled: true }).settledCostUsd(query(0.5))).toBe(0.5);
    expect(new Pricer(overrides, { preferBilled: true }).settledCostUsd(query(0))).toBe(0);
    expect(new Pricer(overrides, { preferBilled: true }).settledCostUsd(query())).toBe(2);
  });
});
