/**
 * The one script that admits: every limit charge and budget reservation this instance starts in one turn of
 * the event loop (a request's own two, and other requests' arriving at the same time) runs as one EVALSHA,
 * each item atomic on its own, in the order they were asked. An item is its kind, then its ARGV; its keys
 * follow the previous item's in KEYS. The answer is one array per item.
 *
 * `charge` (limit counters). ARGV: 'c', windowMs, windows, slots, the slot lease in ms, the time in ms to use
 * for the windows instead of Redis's ('' in production), then limit and amount per window, then limit and
 * lease name per slot. KEYS: the window counters, then the slots' lease sets. Answer: each window's use, the
 * windows' reset time, and what refused: 0 (nothing), 1 (a window) or 2 (a slot), with its 1-based index.
 * Every command a script runs blocks Redis for every instance, so the common case (admitted, counters that
 * exist) is kept short: a window is charged with one INCRBY and taken back if anything refuses (a refusal
 * reports the use as it was); its lifetime, two windows, is set once, when the INCRBY creates it. A slot is a
 * ZCARD and the lease's ZADD and PEXPIRE; expired leases are swept only when the count reaches the limit
 * (they can only make it higher). An admission with rpm, tpm, a slot and a budget for key, user and team ran
 * 40 commands when it checked everything before charging, and runs 22.
 *
 * A concurrency slot is a lease: a member of the slot's sorted set, scored with when it expires (Redis's
 * clock). The instance that holds it renews it while the request runs (`RedisCommandBatches`' heartbeat) and
 * removes it when the request ends; a lease nobody renews (its instance died, or never heard that the charge
 * went through) is dropped by the next charge once it has expired.
 *
 * `reserve` (budget ledger). ARGV: 'r', amount, accounts, then per account the hard cap (-1 = none) and the
 * soft cap (-1 = none). KEYS: the accounts. Answer: {0, index} when an account is not loaded yet,
 * {-1, index, spent} when refused, {1, soft flags…} when reserved.
 */
export const admissionScript = `
local nowMs
local function redisNow()
  if not nowMs then
    local time = redis.call('TIME')
    nowMs = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
  end
  return nowMs
end

local function charge(a, k)
  local windowMs = tonumber(ARGV[a + 1])
  local windows = tonumber(ARGV[a + 2])
  local slots = tonumber(ARGV[a + 3])
  local leaseMs = tonumber(ARGV[a + 4])
  local now = ARGV[a + 5] ~= '' and tonumber(ARGV[a + 5]) or redisNow()
  local limits = a + 6
  local slotArgs = limits + windows * 2
  local windowStart = now - (now % windowMs)
  local result = {}
  local refusedKind, refusedIndex = 0, 0
  -- Charged first and taken back if anything refuses: admitting (the common case) costs one INCRBY per
  -- window, and the script runs atomically, so nobody sees a charge that is taken back.
  local charged = 0
  for index = 1, windows do
    local amount = tonumber(ARGV[limits + index * 2 - 1])
    local key = KEYS[k + index] .. ':' .. windowStart
    local used = redis.call('INCRBY', key, amount)
    charged = index
    -- The INCRBY that created the counter (it is only ever created here) gives it its lifetime.
    if used == amount then redis.call('PEXPIRE', key, windowMs * 2) end
    result[index] = used
    if used > tonumber(ARGV[limits + index * 2 - 2]) then
      refusedKind, refusedIndex = 1, index
      break
    end
  end
  if refusedKind == 0 then
    for index = 1, slots do
      local key = KEYS[k + windows + index]
      local limit = tonumber(ARGV[slotArgs + index * 2 - 2])
      -- Expired leases only ever make the count higher: they are dropped when the count reaches the limit.
      -- Leases are on Redis's clock whatever a test does to the windows: instances renew and expire them by it.
      if redis.call('ZCARD', key) >= limit then
        redis.call('ZREMRANGEBYSCORE', key, '-inf', redisNow())
        if redis.call('ZCARD', key) >= limit then
          refusedKind, refusedIndex = 2, index
          break
        end
      end
    end
  end
  if refusedKind ~= 0 then
    -- Taken back, and the caller is told the use as it was before this charge.
    for index = 1, charged do
      local amount = tonumber(ARGV[limits + index * 2 - 1])
      result[index] = redis.call('DECRBY', KEYS[k + index] .. ':' .. windowStart, amount)
    end
    -- Windows after the refused one were not charged: their use is read as it is.
    for index = charged + 1, windows do
      result[index] = tonumber(redis.call('GET', KEYS[k + index] .. ':' .. windowStart) or '0')
    end
  else
    for index = 1, slots do
      local key = KEYS[k + windows + index]
      redis.call('ZADD', key, redisNow() + leaseMs, ARGV[slotArgs + index * 2 - 1])
      redis.call('PEXPIRE', key, leaseMs)
    end
  end
  table.insert(result, windowStart + windowMs)
  table.insert(result, refusedKind)
  table.insert(result, refusedIndex)
  return result, slotArgs + slots * 2, k + windows + slots
end

local function reserve(a, k)
  local amount = tonumber(ARGV[a + 1])
  local accounts = tonumber(ARGV[a + 2])
  local caps = a + 3
  local after = caps + accounts * 2
  local spent = {}
  for index = 1, accounts do
    -- GET answers false for an account not loaded yet (it is loaded by the ledger with SET NX).
    local value = redis.call('GET', KEYS[k + index])
    if not value then return {0, index}, after, k + accounts end
    spent[index] = tonumber(value)
  end
  for index = 1, accounts do
    local hard = tonumber(ARGV[caps + index * 2 - 2])
    if hard >= 0 and spent[index] + amount > hard then return {-1, index, spent[index]}, after, k + accounts end
  end
  local result = {1}
  for index = 1, accounts do
    local total = redis.call('INCRBY', KEYS[k + index], amount)
    local soft = tonumber(ARGV[caps + index * 2 - 1])
    result[index + 1] = (soft >= 0 and total > soft) and 1 or 0
  end
  return result, after, k + accounts
end

local answers = {}
local a, k = 1, 0
while a <= #ARGV do
  local answer
  if ARGV[a] == 'c' then
    answer, a, k = charge(a, k)
  elseif ARGV[a] == 'r' then
    answer, a, k = reserve(a, k)
  else
    return redis.error_reply('unknown admission item ' .. tostring(ARGV[a]))
  end
  table.insert(answers, answer)
end
return answers
`;

/** One item of the admission script: its keys and arguments as laid out above. */
export interface AdmissionItem {
  keys: string[];
  args: Array<string | number>;
}
