import type { CacheRuleConfig } from '../config/config-schema.js';

export type CacheRuleMode = CacheRuleConfig['mode'];

/** What the first matching `cache.rules` entry says about a call. */
export interface CacheRule {
  readonly mode: CacheRuleMode;
  /** The cap on an entry's lifetime; undefined: the caller's `Cache-Control: max-age` (or the default) stands. */
  readonly maxAgeMs: number | undefined;
}

/** What a rule's `model` is compared with besides the name the caller asked for. */
interface RuleTarget {
  readonly id: string;
  readonly upstreamModel: string;
}

/** What a rule's `team` and `key` are compared with. */
interface RuleKey {
  readonly id: string;
  readonly name: string;
  readonly teamName: string | null;
}

interface CompiledRule extends CacheRule {
  readonly model: string | undefined;
  readonly team: string | undefined;
  readonly key: string | undefined;
}

/**
 * `cache.rules`, compiled once per config: each group a rule names gets the list of rules that can match its
 * calls (in config order), every other call the rules that name no group. A call then walks one short list
 * with string comparisons only: nothing is allocated per call.
 */
export class CacheRules {
  readonly #byGroup = new Map<string, CompiledRule[]>();
  readonly #withoutGroup: CompiledRule[] = [];

  /** Null when there are no rules, so the request path pays one null check and nothing else. */
  static from(rules: readonly CacheRuleConfig[]): CacheRules | null {
    return rules.length === 0 ? null : new CacheRules(rules);
  }

  private constructor(rules: readonly CacheRuleConfig[]) {
    const compiled = rules.map((rule) => ({
      group: rule.match.group,
      rule: {
        mode: rule.mode,
        maxAgeMs: rule.maxAgeSeconds === undefined ? undefined : rule.maxAgeSeconds * 1000,
        model: rule.match.model,
        team: rule.match.team,
        key: rule.match.key,
      } satisfies CompiledRule,
    }));
    for (const { group } of compiled) {
      if (group !== undefined && !this.#byGroup.has(group)) {
        this.#byGroup.set(
          group,
          compiled.filter((entry) => entry.group === undefined || entry.group === group).map((entry) => entry.rule),
        );
      }
    }
    for (const entry of compiled) if (entry.group === undefined) this.#withoutGroup.push(entry.rule);
  }

  /** The first rule matching the call, or undefined when none does (the caller's header decides, as without rules). */
  ruleFor(groupName: string | null, requestedModel: string | null, target: RuleTarget, key: RuleKey): CacheRule | undefined {
    const candidates = groupName === null ? this.#withoutGroup : (this.#byGroup.get(groupName) ?? this.#withoutGroup);
    for (const rule of candidates) {
      if (rule.model !== undefined && rule.model !== requestedModel && rule.model !== target.upstreamModel && rule.model !== target.id) continue;
      if (rule.team !== undefined && rule.team !== key.teamName) continue;
      if (rule.key !== undefined && rule.key !== key.id && rule.key !== key.name) continue;
      return rule;
    }
    return undefined;
  }
}

