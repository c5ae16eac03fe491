import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** /proc counts CPU time in clock ticks (USER_HZ), nearly always 100 per second. */
const ticksPerSecond = readTicksPerSecond();

function readTicksPerSecond(): number {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
}

const ticksToMilliseconds = (ticks: number) => (ticks * 1000) / ticksPerSecond;

/** CPU a process has used so far (user + system, all its threads), in milliseconds. */
export function processCpuMilliseconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name sits in parentheses and may hold spaces; the numbered fields follow it.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ticksToMilliseconds(Number(fields[11]) + Number(fields[12]));
}

/** CPU every process on the machine has used since boot, in milliseconds (all cores summed). */
export function machineCpuMilliseconds(): number {
  const total = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.trim().split(/\s+/).slice(1).map(Number);
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = total;
  return ticksToMilliseconds(user + nice + system + irq + softirq + steal);
}

/**
 * How much CPU processes other than ours took while the bench ran: on a shared machine the numbers are
 * only comparable when this stays small, so the report shows it.
 */
export class ForeignLoadMeter {
  readonly #startedAt = performance.now();
  readonly #machineAtStart = machineCpuMilliseconds();
  readonly #oursAtStart: number;

  constructor(private readonly ourPids: () => number[]) {
    this.#oursAtStart = this.#ours();
  }

  #ours(): number {
    return this.ourPids().reduce((total, pid) => total + processCpuMilliseconds(pid), 0);
  }

  /** Cores' worth of CPU used by other processes since the meter started (1 = one core fully busy). */
  read(): number {
    const elapsed = performance.now() - this.#startedAt;
    const foreign = machineCpuMilliseconds() - this.#machineAtStart - (this.#ours() - this.#oursAtStart);
    return Math.max(0, foreign) / elapsed;
  }
}
