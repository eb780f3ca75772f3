--[[
  Confirms a reserved call and records the grant (redis/redis-pacer.ts acquire(); the decision is confirm() of
  redis/pace-control.ts, which this mirrors step by step, on Redis' clock).
  KEYS[1] the pacer's state (hash: limit, step, streak, wait, probing, probeFrom, evaluated, and a ring of
  per-second records s<i> second, g<i> granted, t<i> throttled, l<i> limit, i = second % ARGV[6]);
  KEYS[2] log of the last second's grants (sorted set, score = microseconds); KEYS[3] the grant record (stream).
  ARGV[1] qps; ARGV[2] grant span of a second, microseconds; ARGV[3] a unique member; ARGV[4] the caller's label;
  ARGV[5] how many grants the record keeps (about); ARGV[6] seconds kept in the ring; ARGV[7] probe wait, seconds;
  ARGV[8] now, microseconds, or '' for Redis' TIME (tests drive a virtual clock).
  Returns {0, grant time in microseconds, 'go'}, or {wait in microseconds, 0, then}: wait, then 'reserve' again
  (this second is spent or in its guard) or 'confirm' again (the sliding second is full for a moment).
]]
local now
if ARGV[8] ~= '' then
  now = tonumber(ARGV[8])
else
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000000 + tonumber(t[2])
end
local qps = tonumber(ARGV[1])
local kept = tonumber(ARGV[6])
local second = math.floor(now / 1000000)
local nextSecond = string.format('%.0f', (second + 1) * 1000000 - now)
if now - second * 1000000 >= tonumber(ARGV[2]) then return {nextSecond, '0', 'reserve'} end

local function num(field, default)
  local v = redis.call('HGET', KEYS[1], field)
  if v then return tonumber(v) end
  return default
end
local function put(field, value)
  redis.call('HSET', KEYS[1], field, string.format('%.0f', value))
end

-- The additive increase: judge the seconds that ended at least two seconds ago.
local limit = num('limit', qps)
local step = num('step', 1)
local streak = num('streak', 0)
local wait = num('wait', tonumber(ARGV[7]))
local probing = num('probing', 0)
local probeFrom = num('probeFrom', 0)
local upTo = second - 2
local e = math.max(num('evaluated', upTo - kept), upTo - kept + 3)
while e < upTo do
  e = e + 1
  local i = e % kept
  if num('s' .. i, -1) == e then
    local g = num('g' .. i, 0)
    if g > 0 and num('t' .. i, 0) == 0 and g >= num('l' .. i, 0) then
      if probing == 1 and e >= probeFrom then
        step = math.min(step * 2, qps)
        wait = tonumber(ARGV[7])
        probing = 0
      end
      streak = streak + 1
      if streak >= wait and limit < qps then
        limit = math.min(qps, limit + step)
        probing = 1
        probeFrom = second
        streak = 0
      end
    end
  end
end
put('limit', limit)
put('step', step)
put('streak', streak)
put('wait', wait)
put('probing', probing)
put('probeFrom', probeFrom)
put('evaluated', math.max(num('evaluated', upTo), upTo))
redis.call('PEXPIRE', KEYS[1], 3600000)

local i = second % kept
if num('s' .. i, -1) ~= second then
  put('s' .. i, second)
  put('g' .. i, 0)
  put('t' .. i, 0)
  put('l' .. i, limit)
end
local granted = num('g' .. i, 0)
if granted >= math.min(num('l' .. i, limit), limit) then return {nextSecond, '0', 'reserve'} end

redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', string.format('%.0f', now - 1000000))
if redis.call('ZCARD', KEYS[2]) >= qps then
  local oldest = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')
  return {string.format('%.0f', tonumber(oldest[2]) + 1000000 - now + 1), '0', 'confirm'}
end
local at = string.format('%.0f', now)
redis.call('ZADD', KEYS[2], at, ARGV[3])
redis.call('PEXPIRE', KEYS[2], 60000)
put('g' .. i, granted + 1)
redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[5], '*', 't', at, 'by', ARGV[4])
redis.call('PEXPIRE', KEYS[3], 3600000)
return {'0', at, 'go'}
