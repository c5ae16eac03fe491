import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

const version = 'v1.';
const ivLength = 12;
const tagLength = 16;

export class SecretBoxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecretBoxError';
  }
}

/** AES-256-GCM for stored provider keys. Associated data binds a ciphertext to its owner (the provider name). */
export class SecretBox {
  readonly #key: Buffer;

  constructor(masterKey: Buffer) {
    if (masterKey.length !== 32) throw new SecretBoxError('the master key must be exactly 32 bytes');
    this.#key = masterKey;
  }

  encrypt(plaintext: string, associatedData: string): string {
    const iv = randomBytes(ivLength);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv);
    cipher.setAAD(Buffer.from(associatedData));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return version + Buffer.concat([iv, cipher.getAuthTag(), ciphertext]).toString('base64url');
  }

  decrypt(sealed: string, associatedData: string): string {
    if (!sealed.startsWith(version)) throw new SecretBoxError('unknown sealed secret format');
    const bytes = Buffer.from(sealed.slice(version.length), 'base64url');
    if (bytes.length < ivLength + tagLength) throw new SecretBoxError('sealed secret is truncated');
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.#key, bytes.subarray(0, ivLength));
      decipher.setAAD(Buffer.from(associatedData));
      decipher.setAuthTag(bytes.subarray(ivLength, ivLength + tagLength));
      return Buffer.concat([decipher.update(bytes.subarray(ivLength + tagLength)), decipher.final()]).toString('utf8');
    } catch {
      throw new SecretBoxError('sealed secret failed authentication (tampered, or another master key)');
    }
  }
}

/**
 * The master key: `SLUICE_MASTER_KEY` (64 hex chars or base64 of 32 bytes), else `<dataDirectory>/master.key`,
 * generated once with mode 0600. A key file others can read is refused rather than trusted.
 */
export async function loadMasterKey(options: {
  env: NodeJS.ProcessEnv;
  dataDirectory: string;
}): Promise<{ key: Buffer; source: 'env' | 'file' | 'generated' }> {
  const fromEnv = options.env.SLUICE_MASTER_KEY;
  if (fromEnv) {
    const key = decodeKey(fromEnv.trim());
    if (!key) throw new SecretBoxError('SLUICE_MASTER_KEY must be 64 hex characters or base64 of exactly 32 bytes');
    return { key, source: 'env' };
  }
  const path = join(options.dataDirectory, 'master.key');
  const existing = await readKeyFile(path);
  if (existing) return { key: existing, source: 'file' };
  await mkdir(options.dataDirectory, { recursive: true, mode: 0o700 });
  const key = randomBytes(32);
  try {
    await writeFile(path, `${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
    return { key, source: 'generated' };
  } catch (error) {
    // Another process created it first: use theirs.
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const raced = await readKeyFile(path);
    if (!raced) throw new SecretBoxError(`${path} is not a valid master key file`);
    return { key: raced, source: 'file' };
  }
}

async function readKeyFile(path: string): Promise<Buffer | undefined> {
  let mode: number;
  try {
    mode = (await stat(path)).mode;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  if ((mode & 0o077) !== 0) {
    throw new SecretBoxError(`${path} is readable by other users; run: chmod 600 ${path}`);
  }
  const key = decodeKey((await readFile(path, 'utf8')).trim());
  if (!key) throw new SecretBoxError(`${path} is not a valid master key file (expected base64 of 32 bytes)`);
  return key;
}

function decodeKey(text: string): Buffer | undefined {
  if (/^[0-9a-fA-F]{64}$/.test(text)) return Buffer.from(text, 'hex');
  if (/^[A-Za-z0-9+/_-]+={0,2}$/.test(text)) {
    const decoded = Buffer.from(text, text.includes('-') || text.includes('_') ? 'base64url' : 'base64');
    if (decoded.length === 32) return decoded;
  }
  return undefined;
}
