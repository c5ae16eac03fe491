import type { CaptureSettings } from './capture-settings.js';
import type { KeyRole } from './key-role.js';
import type { LimitSettings } from './limits.js';

/** A gateway key as stored: never the token, only its hash. */
export interface KeyRecord {
  id: string;
  name: string;
  /** SHA-256 hex of the token. */
  hash: string;
  /** A display hint such as `sk-sluice-…a1b2`. */
  hint: string;
  userName: string | null;
  teamName: string | null;
  /** Models, aliases or `provider:*` patterns the key may use; null means any. */
  allowedModels: string[] | null;
  /** Operator access beyond model calls (see key-role.ts). */
  role: KeyRole;
  /** `role === 'admin'`, kept for clients of the admin API written before roles. */
  isAdmin: boolean;
  limits: LimitSettings;
  /** The model, alias or group a request without `model` goes to; null: the team's, else a 400 naming `model`. */
  defaultModel: string | null;
  /**
   * The evaluation run every call made with this key belongs to (issue 22 §1), for agents whose headers
   * cannot be set; a call naming another run in `x-sluice-run` is refused. Null: the key carries no run.
   */
  run: string | null;
  /** Content capture for this key's calls (issue 22 §2); null: the team's or the group's, if any. */
  capture: CaptureSettings | null;
  createdAt: number;
  revokedAt: number | null;
  /** Epoch ms of the last change, so instances can pick up changes incrementally. */
  updatedAt: number;
}

export type NewKey = Pick<KeyRecord, 'name' | 'hash' | 'hint' | 'userName' | 'teamName' | 'allowedModels' | 'role' | 'limits'> & {
  defaultModel?: string | null;
  run?: string | null;
  capture?: CaptureSettings | null;
};
export type KeyChanges = Partial<Pick<KeyRecord, 'userName' | 'teamName' | 'allowedModels' | 'role' | 'limits' | 'defaultModel' | 'run' | 'capture'>>;
