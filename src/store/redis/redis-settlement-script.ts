/**
 * Many settlements in one EVALSHA, summed per key before they are sent. KEYS = the windows to correct (with
 * their window start), then the slots' lease sets, then the budget accounts. ARGV = the number of windows, the
 * number of lease sets, then one delta per window, then per lease set the number of leases given back and
 * their names, then one delta (nano-dollars) per account. A window or an account that has expired is left
 * alone.
 */
export const settlementScript = `
local windows = tonumber(ARGV[1])
local slots = tonumber(ARGV[2])
local a = 3
for index = 1, windows do
  if redis.call('EXISTS', KEYS[index]) == 1 then
    local value = redis.call('INCRBY', KEYS[index], tonumber(ARGV[a]))
    if value < 0 then redis.call('SET', KEYS[index], 0, 'KEEPTTL') end
  end
  a = a + 1
end
for index = windows + 1, windows + slots do
  local count = tonumber(ARGV[a])
  redis.call('ZREM', KEYS[index], unpack(ARGV, a + 1, a + count))
  a = a + 1 + count
end
for index = windows + slots + 1, #KEYS do
  if redis.call('EXISTS', KEYS[index]) == 1 then redis.call('INCRBY', KEYS[index], tonumber(ARGV[a])) end
  a = a + 1
end
return 1
`;

/**
 * Renews the leases an instance holds, so a request longer than a lease keeps its slot. KEYS = lease sets;
 * ARGV = the lease in ms, then per set the number of leases and their names. A lease already dropped (its
 * instance was silent longer than a lease) is not brought back: its slot may have gone to someone else.
 */
export const renewalScript = `
local time = redis.call('TIME')
local expiry = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000) + tonumber(ARGV[1])
local a = 2
for index = 1, #KEYS do
  local count = tonumber(ARGV[a])
  for member = a + 1, a + count do redis.call('ZADD', KEYS[index], 'XX', expiry, ARGV[member]) end
  redis.call('PEXPIRE', KEYS[index], tonumber(ARGV[1]))
  a = a + 1 + count
end
return 1
`;
