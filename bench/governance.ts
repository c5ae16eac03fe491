import type { Redis } from 'ioredis';
import { names, redisCountedCalls, shapes } from './bench-plan.js';
import { callOnce, openPool, type Target } from './http-target.js';
import { log } from './log.js';
import type { RunningSluice } from './sluice-process.js';

/** The same calls under more and more policy, on one Sluice with state in process and one with it in Redis. */
export interface GovernanceTargets {
  /** Measured for CPU per call and latency. */
  policy: Target[];
  /** Measured for latency only: every call after the first is a hit. */
  cacheHits: Target[];
  /** Measured for Redis commands per call. */
  onRedis: Target[];
}

const cacheHeaders = { 'x-sluice-cache': 'true', 'cache-control': 'max-age=3600' };

function keyTarget(sluice: RunningSluice, name: string, token: string, headers: Record<string, string> = {}): Target {
  return { name, url: sluice.url, headers: { authorization: `Bearer ${token}`, ...headers }, pid: sluice.pid, requestsSent: 0 };
}

export function governanceTargets(local: RunningSluice, onRedis: RunningSluice | undefined): GovernanceTargets {
  const policy = [
    keyTarget(local, names.noLimits, local.keys.unlimited),
    keyTarget(local, names.limits, local.keys.limited),
    keyTarget(local, names.budgets, local.keys.budgeted),
  ];
  const cacheHits = [keyTarget(local, names.cacheHit, local.keys.standard, cacheHeaders)];
  const redisTargets: Target[] = [];
  if (onRedis) {
    redisTargets.push(keyTarget(onRedis, names.redisLimits, onRedis.keys.limited), keyTarget(onRedis, names.redisBudgets, onRedis.keys.budgeted));
    policy.push(...redisTargets);
    const redisCacheHit = keyTarget(onRedis, names.redisCacheHit, onRedis.keys.standard, cacheHeaders);
    cacheHits.push(redisCacheHit);
    redisTargets.push(redisCacheHit);
  }
  return { policy, cacheHits, onRedis: redisTargets };
}

/**
 * Redis commands per call, read off Redis's MONITOR feed around calls sent one at a time (after a warm-up, so
 * that budget accounts are loaded and answers cached). Only commands a client sent count: MONITOR also
 * shows those a script runs inside Redis (source 'lua'). Nothing else should use this Redis meanwhile.
 */
export async function redisCommandsPhase(redis: Redis, targets: Target[]): Promise<Map<string, number>> {
  log(`Redis commands: ${redisCountedCalls} calls one at a time per scenario`);
  const perCall = new Map<string, number>();
  const monitor = await redis.monitor();
  let sent = 0;
  monitor.on('monitor', (_time: string, _args: string[], source: string) => {
    if (source !== 'lua') sent++;
  });
  try {
    for (const target of targets) {
      const pool = openPool(target, 1);
      const scenario = { name: target.name, target, shape: shapes.plain };
      try {
        for (let call = 0; call < 5; call++) await callOnce(pool, scenario);
        // Settlement runs after the answer is sent: let the warm-up's settle before counting.
        await settle();
        sent = 0;
        for (let call = 0; call < redisCountedCalls; call++) await callOnce(pool, scenario);
        await settle();
        perCall.set(target.name, sent / redisCountedCalls);
        log(`  ${target.name}: ${(sent / redisCountedCalls).toFixed(2)} commands per call`);
      } finally {
        await pool.destroy();
      }
    }
  } finally {
    monitor.disconnect();
  }
  return perCall;
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 200));
