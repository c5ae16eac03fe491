import type { CaptureSettings } from '../domain/capture-settings.js';
import type { KeyRole } from '../domain/key-role.js';
import type { KeyRecord } from '../domain/key-record.js';
import type { KeyStore } from '../store/store.js';
import type { LimitSettings } from '../domain/limits.js';
import { generateGatewayKey } from './gateway-key.js';

export interface IssueKeyOptions {
  name: string;
  userName?: string | undefined;
  teamName?: string | undefined;
  allowedModels?: string[] | undefined;
  /** Operator access; an ordinary key (`user`) when absent. */
  role?: KeyRole | undefined;
  limits?: LimitSettings | undefined;
  /** Where a request without `model` goes (see KeyRecord.defaultModel). */
  defaultModel?: string | null | undefined;
  /** The evaluation run the key's calls belong to (see KeyRecord.run). */
  run?: string | null | undefined;
  /** Content capture for the key's calls (see KeyRecord.capture). */
  capture?: CaptureSettings | null | undefined;
}

/** Creates a key and returns its token: the only time the token exists outside the caller's hands. */
export async function issueGatewayKey(store: Pick<KeyStore, 'createKey'>, options: IssueKeyOptions): Promise<{ token: string; key: KeyRecord }> {
  const generated = generateGatewayKey();
  const key = await store.createKey({
    name: options.name,
    hash: generated.hash,
    hint: generated.hint,
    userName: options.userName ?? null,
    teamName: options.teamName ?? null,
    allowedModels: options.allowedModels && options.allowedModels.length > 0 ? options.allowedModels : null,
    role: options.role ?? 'user',
    limits: options.limits ?? {},
    defaultModel: options.defaultModel ?? null,
    run: options.run ?? null,
    capture: options.capture ?? null,
  });
  return { token: generated.token, key };
}
