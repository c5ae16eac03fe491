import { execFile, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { vi } from 'vitest';

const run = promisify(execFile);

/**
 * Why the container tests cannot run here, or undefined when they can: they need podman (Debian's, with
 * runc; .ci/run installs it and writes /etc/containers/containers.conf) and root, and stay off with
 * SLUICE_CONTAINER_TESTS=off.
 */
export function containerTestsSkipReason(): string | undefined {
  if (process.env.SLUICE_CONTAINER_TESTS === 'off') return 'SLUICE_CONTAINER_TESTS=off';
  if (spawnSync('podman', ['--version'], { encoding: 'utf8' }).status !== 0) return 'podman is not installed (apt-get install podman runc debootstrap)';
  if (process.getuid?.() !== 0) return 'the container tests build with debootstrap and run podman as root';
  return undefined;
}

/** Runs podman and returns its stdout; a failure carries podman's stderr. */
export async function podman(args: string[], options: { timeoutMs?: number } = {}): Promise<string> {
  try {
    const { stdout } = await run('podman', args, { maxBuffer: 64 * 1024 * 1024, timeout: options.timeoutMs ?? 60_000 });
    return stdout;
  } catch (error) {
    const failure = error as Error & { stderr?: string; stdout?: string };
    throw new Error(`podman ${args.join(' ')} failed: ${failure.message}\n${failure.stderr ?? ''}`);
  }
}

/** A port nothing listens on now (the containers share the host's network). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

export interface BuiltImage {
  image: string;
  baseImage: string;
  buildSeconds: number;
  sizeBytes: number;
}

/**
 * The local Node base (deploy/podman/build-node-base.sh, cached by Node version), then this checkout's
 * image, built as docs/deploy.md says, with the npm CA bundle as a build secret when npm has one.
 */
export async function buildImage(tag: string): Promise<BuiltImage> {
  const root = process.cwd();
  const started = performance.now();
  const { stdout: base } = await run('bash', [join(root, 'deploy/podman/build-node-base.sh'), process.env.SLUICE_NODE_BASE ?? 'node@24'], {
    maxBuffer: 16 * 1024 * 1024,
    timeout: 600_000,
  });
  const baseImage = base.trim().split('\n').at(-1)!;
  const cafile = spawnSync('npm', ['config', 'get', 'cafile'], { encoding: 'utf8' }).stdout.trim();
  const secret = cafile && cafile !== 'null' && cafile !== 'undefined' ? ['--secret', `id=npm_ca,src=${cafile}`] : [];
  await podman(['build', '--format', 'docker', '--network', 'host', ...secret, '--build-arg', `NODE_IMAGE=${baseImage}`, '--tag', tag, root], {
    timeoutMs: 900_000,
  });
  const buildSeconds = (performance.now() - started) / 1000;
  const sizeBytes = Number((await podman(['image', 'inspect', '--format', '{{.Size}}', tag])).trim());
  return { image: tag, baseImage, buildSeconds, sizeBytes };
}

/** Waits until `url` answers 200, or fails with the container's logs (at once if the container exited). */
export async function waitForReady(url: string, container: string, timeoutMs = 30_000): Promise<void> {
  try {
    await vi.waitFor(
      async () => {
        const status = await fetch(url).then(
          (response) => response.status,
          () => 0,
        );
        if (status === 200) return;
        const state = (await podman(['inspect', '--format', '{{.State.Status}}', container]).catch(() => '')).trim();
        if (state === 'exited') throw new ContainerExited();
        throw new Error(`${url} answered ${status || 'nothing'}`);
      },
      { timeout: timeoutMs, interval: 200 },
    );
  } catch (error) {
    const logs = await podman(['logs', container]).catch((failure: Error) => failure.message);
    const why = error instanceof ContainerExited ? 'the container exited' : `${url} was not ready within ${timeoutMs} ms`;
    throw new Error(`${why}; its logs:\n${logs}`);
  }
}

class ContainerExited extends Error {}
