import type { CooldownStatus } from '../routing/cooldowns.js';
import type { ResolvedGroup } from '../routing/route-target.js';
import { AttemptWindow, attemptWindowCapacity, attemptWindowHorizonMs, type AttemptWindowSummary } from './attempt-window.js';

/** What the report reads from routing, when it is asked for (not on the request path). */
export interface TargetHealthSources {
  groups: ReadonlyMap<string, ResolvedGroup>;
  cooldownStatus(targetId: string): CooldownStatus;
  /** The router's moving average of time to first token, used by least-latency; undefined when stale. */
  routingEstimateMs(targetId: string): number | undefined;
}

export interface TargetHealthEntry extends AttemptWindowSummary {
  /** `provider:model`, with `other` for models outside the known set (all of them share one entry). */
  target: string;
  provider: string;
  model: string;
  /** Groups that have this target; empty for a plain model. */
  groups: string[];
  lastError: { code: string; status: number | null; at: string } | null;
  /** Group targets only: plain models never cool down. */
  cooldown: CooldownStatus | null;
  routingEstimateMs: number | null;
}

export interface TargetHealthReport {
  window: { attempts: number; minutes: number };
  targets: TargetHealthEntry[];
}

/**
 * Per-instance upstream health for `GET /admin/health/targets`: one attempt window per target, keyed by the
 * same bounded provider and model labels as the metrics (so a caller's made-up model names share the
 * `provider:other` window instead of growing the map). The windows outlive a rebuild of the known models.
 */
export class TargetHealth {
  readonly #windows = new Map<string, { provider: string; model: string; window: AttemptWindow }>();

  /** Called once per label pair when its series are first used, not per attempt. */
  windowFor(provider: string, model: string): AttemptWindow {
    const id = `${provider}:${model}`;
    let entry = this.#windows.get(id);
    if (!entry) this.#windows.set(id, (entry = { provider, model, window: new AttemptWindow() }));
    return entry.window;
  }

  report(now: number, sources: TargetHealthSources): TargetHealthReport {
    const groupsOf = new Map<string, { provider: string; model: string; groups: string[] }>();
    for (const group of sources.groups.values()) {
      for (const target of group.targets) {
        const entry = groupsOf.get(target.id) ?? { provider: target.provider.name, model: target.upstreamModel, groups: [] };
        entry.groups.push(group.name);
        groupsOf.set(target.id, entry);
      }
    }
    // A window exists once its label pair had a call; only attempts put it in the report.
    const attempted = [...this.#windows].filter(([, entry]) => entry.window.recorded).map(([id]) => id);
    const ids = [...new Set([...groupsOf.keys(), ...attempted])].sort();
    const targets = ids.map((id): TargetHealthEntry => {
      const configured = groupsOf.get(id);
      const observed = this.#windows.get(id);
      const window = observed?.window ?? new AttemptWindow();
      const lastError = window.lastError;
      return {
        target: id,
        provider: configured?.provider ?? observed!.provider,
        model: configured?.model ?? observed!.model,
        groups: configured?.groups ?? [],
        ...window.summary(now),
        lastError: lastError ? { code: lastError.code, status: lastError.status, at: new Date(lastError.at).toISOString() } : null,
        cooldown: configured ? sources.cooldownStatus(id) : null,
        routingEstimateMs: configured ? (sources.routingEstimateMs(id) ?? null) : null,
      };
    });
    return { window: { attempts: attemptWindowCapacity, minutes: attemptWindowHorizonMs / 60_000 }, targets };
  }
}
