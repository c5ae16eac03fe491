import type { CaptureConfig } from '../config/capture-schema.js';
import type { GroupConfig } from '../config/config-schema.js';
import type { CaptureSettings, ResolvedCaptureSettings } from '../domain/capture-settings.js';

/**
 * Which calls are captured, decided on the request thread (issue 22 §2). The settings that apply are the
 * most specific ones set: the key's, else its team's, else its model group's — so a key with `sample: 0`
 * keeps its own calls out of its team's sampling while its runs may still ask. A call is captured when the
 * caller asks (`x-sluice-capture: true`, honoured only where settings apply) or when a draw from `random`
 * falls under the sample. Built from the config (group settings and defaults) at start and by a reload.
 */
export class CapturePolicy {
  /** The draw a sample is compared with: `Math.random` (tests pass their own). */
  readonly random: () => number;
  readonly #defaults: Pick<CaptureConfig, 'retainDays' | 'maxBytes'>;
  /** Groups with `capture:`; null when none has, so a group call with nothing configured looks nothing up. */
  readonly #groups: ReadonlyMap<string, CaptureSettings> | null;

  constructor(config: CaptureConfig, groups: Readonly<Record<string, GroupConfig>>, random: () => number = Math.random) {
    this.random = random;
    this.#defaults = { retainDays: config.retainDays, maxBytes: config.maxBytes };
    const withCapture = Object.entries(groups).flatMap(([name, group]) => (group.capture === undefined ? [] : [[name, group.capture] as const]));
    this.#groups = withCapture.length === 0 ? null : new Map(withCapture);
  }

  /** A model group's own settings; undefined for a plain model or a group without them. */
  groupSettings(groupName: string | undefined): CaptureSettings | undefined {
    return groupName === undefined || this.#groups === null ? undefined : this.#groups.get(groupName);
  }

  /** Whether a call under `settings` is captured: asked for, or sampled. */
  sampled(settings: CaptureSettings, asked: boolean): boolean {
    return asked || (settings.sample > 0 && this.random() < settings.sample);
  }

  /** Settings with the config's defaults for what they leave unset. */
  resolve(settings: CaptureSettings): ResolvedCaptureSettings {
    return {
      sample: settings.sample,
      retainDays: settings.retainDays ?? this.#defaults.retainDays,
      maxBytes: settings.maxBytes ?? this.#defaults.maxBytes,
    };
  }
}
