export interface StoredProviderKey {
  provider: string;
  /** AES-256-GCM sealed (see keys/secret-box.ts). */
  sealedKey: string;
  updatedAt: number;
}
