import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadMasterKey, SecretBox } from '../../src/keys/secret-box.js';

const secret = 'sk-ant-api03-very-secret-provider-key';
const directories: string[] = [];
afterEach(async () => {
  for (const directory of directories.splice(0)) await rm(directory, { recursive: true, force: true });
});
async function tempDirectory(): Promise<string> {
  const directory = await mkdtemp(join(tmpdir(), 'sluice-secret-'));
  directories.push(directory);
  return directory;
}

describe('SecretBox (AES-256-GCM)', () => {
  const box = new SecretBox(randomBytes(32));

  it('round-trips, with a fresh IV each time', () => {
    const first = box.encrypt(secret, 'anthropic');
    const second = box.encrypt(secret, 'anthropic');
    expect(first).not.toBe(second);
    expect(first).not.toContain(secret);
    expect(box.decrypt(first, 'anthropic')).toBe(secret);
  });

  it('fails on the wrong associated data, the wrong key, or any flipped byte, without echoing secrets', () => {
    const sealed = box.encrypt(secret, 'anthropic');
    expect(() => box.decrypt(sealed, 'openai')).toThrow(/failed authentication/);
    expect(() => new SecretBox(randomBytes(32)).decrypt(sealed, 'anthropic')).toThrow(/failed authentication/);
    const bytes = Buffer.from(sealed.slice(3), 'base64url');
    for (let index = 0; index < bytes.length; index++) {
      const tampered = Buffer.from(bytes);
      tampered[index] = tampered[index]! ^ 0x01;
      let message = '';
      try {
        box.decrypt(`v1.${tampered.toString('base64url')}`, 'anthropic');
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message, `byte ${index}`).toMatch(/failed authentication|truncated/);
      expect(message).not.toContain(secret);
    }
    expect(() => box.decrypt(sealed.replace('v1.', 'v9.'), 'anthropic')).toThrow(/unknown/);
    expect(() => box.decrypt('v1.AAAA', 'anthropic')).toThrow(/truncated/);
    expect(() => new SecretBox(randomBytes(16))).toThrow(/32 bytes/);
  });
});

describe('master key', () => {
  it('accepts SLUICE_MASTER_KEY as hex or base64 and never echoes a bad value', async () => {
    const dataDirectory = await tempDirectory();
    const key = randomBytes(32);
    expect((await loadMasterKey({ env: { SLUICE_MASTER_KEY: key.toString('hex') }, dataDirectory })).key).toEqual(key);
    expect((await loadMasterKey({ env: { SLUICE_MASTER_KEY: key.toString('base64') }, dataDirectory })).key).toEqual(key);
    const bad = 'not-a-valid-master-key-value';
    await expect(loadMasterKey({ env: { SLUICE_MASTER_KEY: bad }, dataDirectory })).rejects.toThrow(/SLUICE_MASTER_KEY/);
    await expect(loadMasterKey({ env: { SLUICE_MASTER_KEY: bad }, dataDirectory })).rejects.not.toThrow(bad);
  });

  it('generates a 0600 key file once and reuses it; refuses a file others can read', async () => {
    const dataDirectory = await tempDirectory();
    const generated = await loadMasterKey({ env: {}, dataDirectory });
    expect(generated.source).toBe('generated');
    expect((await stat(join(dataDirectory, 'master.key'))).mode & 0o777).toBe(0o600);
    const again = await loadMasterKey({ env: {}, dataDirectory });
    expect(again).toEqual({ key: generated.key, source: 'file' });
    await chmod(join(dataDirectory, 'master.key'), 0o644);
    await expect(loadMasterKey({ env: {}, dataDirectory })).rejects.toThrow(/chmod 600/);
    await writeFile(join(dataDirectory, 'master.key'), 'short', { mode: 0o600 });
    await chmod(join(dataDirectory, 'master.key'), 0o600);
    await expect(loadMasterKey({ env: {}, dataDirectory })).rejects.toThrow(/not a valid master key/);
  });
});
