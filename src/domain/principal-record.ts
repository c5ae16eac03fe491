import type { CaptureSettings } from './capture-settings.js';
import type { LimitSettings } from './limits.js';

/** A user or team: the limits and allow-list shared by every key that belongs to it. */
export interface PrincipalRecord {
  name: string;
  limits: LimitSettings;
  /** Teams only: models every key of the team is limited to; null means any. */
  allowedModels: string[] | null;
  /** Teams only: the model or group a request without `model` goes to, for keys that have none of their own. */
  defaultModel: string | null;
  /** Teams only: content capture for the team's calls (issue 22 §2), for keys that set none of their own. */
  capture: CaptureSettings | null;
  updatedAt: number;
}

/** What `setPrincipal` writes: the whole record but its timestamp (a missing default model or capture is none). */
export type PrincipalSettings = Omit<PrincipalRecord, 'updatedAt' | 'defaultModel' | 'capture'> & { defaultModel?: string | null; capture?: CaptureSettings | null };

export type PrincipalKind = 'user' | 'team';
