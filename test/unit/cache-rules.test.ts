import { describe, expect, it } from 'vitest';
import { CacheRules } from '../../src/cache/cache-rules.js';
import { parseConfig } from '../../src/config/load-config.js';

const target = { id: 'openai:gpt-4o-mini', upstreamModel: 'gpt-4o-mini' };
const key = { id: 'key-1', name: 'ci', teamName: 'research' };

function rulesOf(rules: unknown[]): CacheRules | null {
  return CacheRules.from(parseConfig({ cache: { rules } }, {}).cache.rules);
}

describe('CacheRules', () => {
  it('is null without rules, so calls pay one check', () => {
    expect(rulesOf([])).toBeNull();
  });

  it('takes the first rule that matches, in config order, across group and other conditions', () => {
    const rules = rulesOf([
      { match: { team: 'research', model: 'mini' }, mode: 'auto', maxAgeSeconds: 30 },
      { match: { group: 'coder' }, mode: 'off' },
      { match: { team: 'research' } },
    ])!;
    expect(rules.ruleFor('coder', 'coder', target, key)).toEqual(expect.objectContaining({ mode: 'off', maxAgeMs: undefined }));
    expect(rules.ruleFor(null, 'mini', target, key)).toEqual(expect.objectContaining({ mode: 'auto', maxAgeMs: 30_000 }));
    // `model` also names the upstream model and `provider:model`.
    expect(rules.ruleFor(null, 'gpt-4o-mini', target, key)?.mode).toBe('caller');
    expect(rules.ruleFor('other-group', 'other-group', target, { ...key, teamName: null })).toBeUndefined();
    expect(rulesOf([{ match: { model: 'openai:gpt-4o-mini' }, mode: 'auto' }])!.ruleFor(null, 'x', target, key)?.mode).toBe('auto');
  });

  it('matches a key by id or name, and an empty match matches every call', () => {
    const rules = rulesOf([{ match: { key: 'ci' }, mode: 'auto' }, { mode: 'off' }])!;
    expect(rules.ruleFor(null, 'm', target, key)?.mode).toBe('auto');
    expect(rules.ruleFor('g', 'g', target, { ...key, name: 'other', id: 'ci' })?.mode).toBe('auto');
    expect(rules.ruleFor('g', 'g', target, { ...key, name: 'other' })?.mode).toBe('off');
  });

  it('refuses unknown match fields and modes', () => {
    expect(() => rulesOf([{ match: { user: 'ada' } }])).toThrow();
    expect(() => rulesOf([{ mode: 'always' }])).toThrow();
  });
});
