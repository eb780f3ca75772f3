--[[
  Learns from a throttled call (redis/redis-pacer.ts onThrottle(); the decision is recordThrottle() of
  redis/pace-control.ts, which this mirrors): the multiplicative decrease of the per-second limit.
  KEYS[1] the pacer's state (hash, see pacer-confirm.lua).
  ARGV[1] qps; ARGV[2] the throttled call's grant time, microseconds; ARGV[3] seconds kept in the ring;
  ARGV[4] probe wait, seconds; ARGV[5] the longest probe wait, seconds;
  ARGV[6] now, microseconds, or '' for Redis' TIME (tests drive a virtual clock).
  Returns how long the caller's queue should hold back, ms: the rest of the current second.
]]
local now
if ARGV[6] ~= '' then
  now = tonumber(ARGV[6])
else
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000000 + tonumber(t[2])
end
local kept = tonumber(ARGV[3])
local second = math.floor(tonumber(ARGV[2]) / 1000000)
local current = math.floor(now / 1000000)
local i = second % kept
local f = redis.call('HMGET', KEYS[1], 'limit', 'wait', 'probing', 's' .. i, 'g' .. i, 't' .. i, 'l' .. i)
local limit = tonumber(f[1] or ARGV[1])
local changes = {'streak', '0', 'step', '1'}
if f[3] == '1' then
  local wait = math.min(tonumber(f[2] or ARGV[4]) * 2, tonumber(ARGV[5]))
  table.insert(changes, 'wait'); table.insert(changes, string.format('%.0f', wait))
  table.insert(changes, 'probing'); table.insert(changes, '0')
end
-- A throttle of a second no longer in the ring teaches nothing about what was left.
if current - second < kept and tonumber(f[4] or '-1') == second then
  local granted = tonumber(f[5] or '0')
  local throttled = tonumber(f[6] or '0') + 1
  table.insert(changes, 't' .. i); table.insert(changes, string.format('%.0f', throttled))
  local left = math.max(1, granted - throttled)
  if left < limit then
    table.insert(changes, 'limit'); table.insert(changes, string.format('%.0f', left))
  end
  if second == current then
    table.insert(changes, 'l' .. i); table.insert(changes, string.format('%.0f', math.min(tonumber(f[7] or granted), granted)))
  end
end
redis.call('HSET', KEYS[1], unpack(changes))
redis.call('PEXPIRE', KEYS[1], 3600000)
return math.ceil(((current + 1) * 1000000 - now) / 1000)
