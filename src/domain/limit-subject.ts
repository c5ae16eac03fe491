import type { LimitSettings } from './limits.js';
import type { PrincipalKind } from './principal-record.js';

/** The identities with configured defaults (`limits.defaults`). */
export type SubjectScope = 'key' | PrincipalKind;

/** Whose quota a charge counts against: an identity, a model group, or a key's share of a group (`key_group`). */
export type AdmissionScope = SubjectScope | 'group' | 'key_group';

/** One quota a call is charged against: who, with which limits. */
export interface LimitSubject {
  scope: AdmissionScope;
  /** The key's id, the user's, team's or group's name (`key_group`: the key's id). */
  id: string;
  limits: LimitSettings;
  /** `key_group`: the group the key's share is of. */
  group?: string | undefined;
  /**
   * The subject's counter names, when it is built once and reused (a model group): a name made per call
   * is a new string to flatten and hash in every counter lookup.
   */
  counterNames?: { readonly requests: string; readonly tokens: string; readonly concurrency: string } | undefined;
}
