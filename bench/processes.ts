import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** `dist/`, where the compiled bench and Sluice live side by side. */
export const distDirectory = join(import.meta.dirname, '..');
const startupTimeoutMs = 30_000;
const children = new Set<ChildProcess>();
/** Children the bench itself is stopping: any other exit is a crash worth saying so. */
const stopping = new WeakSet<ChildProcess>();

export interface RunningProcess {
  url: string;
  pid: number;
  child: ChildProcess;
}

export interface NodeProcessOptions {
  /** Where the process's stderr goes (default: the bench's own). */
  stderrFile?: string;
  /** A `taskset -c` CPU list the whole process is pinned to, e.g. `'0'`; unpinned by default. */
  cpus?: string;
  /** Node options before the script, e.g. `--cpu-prof`. */
  nodeArgs?: string[];
}

/**
 * Starts a node script in a process of its own (so it never shares an event loop with the load generator)
 * and waits for the line that carries its URL.
 */
export function startNode(script: string, args: string[], urlPattern: RegExp, options: NodeProcessOptions = {}): Promise<RunningProcess> {
  // Sluice's request log (a line per call on stderr) goes to a file, as a log collector would take it, rather
  // than flooding the bench's terminal; its tail is shown if the process dies.
  const stderr = options.stderrFile === undefined ? 'inherit' : openSync(options.stderrFile, 'a');
  const node = [process.execPath, ...(options.nodeArgs ?? []), script, ...args];
  // taskset sets the affinity and then execs node, so the pid is node's, and every thread node starts later
  // (its worker threads, libuv's pool, V8's GC helpers) inherits the same cores.
  const [command, ...commandArgs] = options.cpus === undefined ? node : ['taskset', '-c', options.cpus, ...node];
  const child = spawn(command!, commandArgs, { stdio: ['ignore', 'pipe', stderr] });
  if (typeof stderr === 'number') closeSync(stderr);
  children.add(child);
  child.on('exit', () => children.delete(child));
  return new Promise((resolve, reject) => {
    let output = '';
    let started = false;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${script} printed no URL within ${startupTimeoutMs} ms: ${output}`));
    }, startupTimeoutMs);
    // Keeps reading after the URL too: a child blocked on a full stdout pipe would stall mid-run.
    child.stdout!.on('data', (chunk: Buffer) => {
      if (started) return;
      output += chunk.toString();
      const url = urlPattern.exec(output)?.[1];
      if (!url) return;
      started = true;
      clearTimeout(timer);
      resolve({ url, pid: child.pid!, child });
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (!started) reject(new Error(`${script} exited (${signal ?? code}) before listening: ${output}`));
      else if (!stopping.has(child)) {
        const tail = options.stderrFile === undefined ? '' : readFileSync(options.stderrFile, 'utf8').slice(-2_000);
        process.stderr.write(`[bench] ${script} exited unexpectedly (${signal ?? code})\n${tail}`);
      }
    });
  });
}

export function startUpstream(options: NodeProcessOptions = {}): Promise<RunningProcess> {
  return startNode(join(distDirectory, 'bench/upstream-process.js'), [], /listening (\S+)/, options);
}

export function startBareProxy(upstreamUrl: string, options: NodeProcessOptions = {}): Promise<RunningProcess> {
  return startNode(join(distDirectory, 'bench/bare-proxy.js'), [upstreamUrl], /listening (\S+)/, options);
}

/** Asks a process to stop cleanly and waits; kills it if it takes longer than `graceMs`. Returns the time taken. */
export async function stopProcess(running: RunningProcess, graceMs = 15_000): Promise<number> {
  const started = performance.now();
  if (running.child.exitCode !== null || running.child.signalCode !== null) return 0;
  const exited = once(running.child, 'exit');
  stopping.add(running.child);
  running.child.kill('SIGTERM');
  const timer = setTimeout(() => running.child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
  return performance.now() - started;
}

export interface MemoryReading {
  /** VmRSS: resident now. */
  residentMiB: number;
  /** VmHWM: the most it was ever resident. */
  peakResidentMiB: number;
}

export function readMemory(pid: number): MemoryReading {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const mebibytes = (field: string) => Math.round((Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0) / 1024) * 10) / 10;
  return { residentMiB: mebibytes('VmRSS'), peakResidentMiB: mebibytes('VmHWM') };
}

/** Kills every child still running; safe to call more than once. */
export function stopAll(): void {
  for (const child of children) {
    if (child.exitCode !== null || child.signalCode !== null) continue;
    stopping.add(child);
    child.kill('SIGKILL');
  }
}

// No child may outlive the bench, whether it ends normally, throws, or is interrupted.
process.on('exit', stopAll);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => {
    stopAll();
    process.exit(128 + (signal === 'SIGINT' ? 2 : signal === 'SIGTERM' ? 15 : 1));
  });
}
