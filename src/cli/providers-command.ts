import { Command } from 'commander';
import { loadMasterKey, SecretBox } from '../keys/secret-box.js';
import { buildProviderRegistry } from '../providers/provider-registry.js';
import { formatTable } from './format-table.js';
import { openStore, type CommonOptions } from './open-store.js';
import { readStdin } from './read-stdin.js';

export function providersCommand(): Command {
  const providers = new Command('providers').description('list providers and manage their stored keys');

  providers
    .command('list')
    .description('list providers and where their key comes from')
    .option('--config <path>', 'path to sluice.yaml')
    .action(async (options: CommonOptions) => {
      const { config, store } = await openStore(options);
      const stored = new Set((await store.listProviderKeys()).map((key) => key.provider));
      await store.close();
      const registry = buildProviderRegistry({ config, env: process.env, providersWithStoredKeys: stored });
      const rows = registry.routable().map((provider) => [
        provider.name,
        provider.kind,
        provider.baseUrl,
        Object.keys(provider.endpoints).join(','),
        provider.configuredKey !== undefined && provider.name !== 'mock'
          ? config.providers[provider.name]?.apiKey
            ? 'config'
            : `env ${provider.envKeyName}`
          : stored.has(provider.name)
            ? 'stored (encrypted)'
            : provider.requiresKey
              ? 'none (callers may bring their own)'
              : 'not needed',
      ]);
      process.stdout.write(`${formatTable(['NAME', 'KIND', 'BASE URL', 'SPEAKS', 'KEY'], rows)}\n`);
    });

  providers
    .command('set-key <name>')
    .description('store a provider key, encrypted (AES-256-GCM); reads the key from stdin')
    .option('--config <path>', 'path to sluice.yaml')
    .action(async (name: string, options: CommonOptions) => {
      const { config, store } = await openStore(options);
      try {
        const registry = buildProviderRegistry({ config, env: process.env, providersWithStoredKeys: new Set() });
        if (!registry.routable().some((provider) => provider.name === name)) throw new Error(`unknown provider '${name}'`);
        if (process.stdin.isTTY) process.stderr.write(`Paste the ${name} API key, then press Enter and Ctrl-D:\n`);
        const key = await readStdin();
        if (key.length === 0) throw new Error('no key on stdin');
        const masterKey = await loadMasterKey({ env: process.env, dataDirectory: config.dataDir });
        await store.setProviderKey(name, new SecretBox(masterKey.key).encrypt(key, name));
        process.stdout.write(`Stored an encrypted key for ${name}.\n`);
      } finally {
        await store.close();
      }
    });

  providers
    .command('remove-key <name>')
    .description('delete a stored provider key')
    .option('--config <path>', 'path to sluice.yaml')
    .action(async (name: string, options: CommonOptions) => {
      const { store } = await openStore(options);
      const removed = await store.deleteProviderKey(name);
      await store.close();
      if (!removed) throw new Error(`no stored key for '${name}'`);
      process.stdout.write(`Removed the stored key for ${name}.\n`);
    });

  return providers;
}
