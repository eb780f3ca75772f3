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
local function num(field, default)
  local v = redis.call('HGET', KEYS[1], field)
  if v then return tonumber(v) end
  return default
end
local function put(field, value)
  redis.call('HSET', KEYS[1], field, string.format('%.0f', value))
end
local kept = tonumber(ARGV[3])
local second = math.floor(tonumber(ARGV[2]) / 1000000)
local current = math.floor(now / 1000000)
put('streak', 0)
put('step', 1)
if num('probing', 0) == 1 then
  put('wait', math.min(num('wait', tonumber(ARGV[4])) * 2, tonumber(ARGV[5])))
  put('probing', 0)
end
local i = second % kept
if current - second < kept and num('s' .. i, -1) == second then
  local granted = num('g' .. i, 0)
  local throttled = num('t' .. i, 0) + 1
  put('t' .. i, throttled)
  local left = math.max(1, granted - throttled)
  if left < num('limit', tonumber(ARGV[1])) then put('limit', left) end
  if second == current then put('l' .. i, math.min(num('l' .. i, granted), granted)) end
end
redis.call('PEXPIRE', KEYS[1], 3600000)
return math.ceil(((current + 1) * 1000000 - now) / 1000)
