--[[
  Reserves the next call slot of the global pacer (redis/redis-pacer.ts acquire(); the decision is reserve() of
  redis/pace-control.ts, on Redis' clock): the first free slot of the per-second grid, where each second holds
  `limit` slots spread over its grant span.
  KEYS[1] next free slot, microseconds since the epoch; KEYS[2] the pacer's state (hash, field `limit`).
  ARGV[1] qps (the limit when none is known yet); ARGV[2] grid span of a second, microseconds;
  ARGV[3] now, microseconds, or '' for Redis' TIME (tests drive a virtual clock); ARGV[4] grant span of a
  second, microseconds.
  A caller that finds the pacer idle (no slot reserved ahead of now) past the grid but before the guard calls at
  once; the next caller gets the next second's first slot, as it would have.
  Returns the wait in microseconds until the reserved slot (0 = call now).
]]
local now
if ARGV[3] ~= '' then
  now = tonumber(ARGV[3])
else
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000000 + tonumber(t[2])
end
local limit = tonumber(redis.call('HGET', KEYS[2], 'limit') or ARGV[1])
local nextfree = tonumber(redis.call('GET', KEYS[1]) or '0')
local from = math.max(now, nextfree)
local second = math.floor(from / 1000000)
local spacing = tonumber(ARGV[2]) / limit
local k = math.ceil((from - second * 1000000) / spacing)
local slot
if k >= limit then
  slot = (second + 1) * 1000000
else
  slot = second * 1000000 + math.ceil(k * spacing)
end
local nowsecond = math.floor(now / 1000000)
if nextfree <= now and slot >= (nowsecond + 1) * 1000000 and now - nowsecond * 1000000 < tonumber(ARGV[4]) then
  redis.call('SET', KEYS[1], string.format('%.0f', slot), 'PX', 3600000)
  return '0'
end
redis.call('SET', KEYS[1], string.format('%.0f', slot + 1), 'PX', 3600000)
return string.format('%.0f', slot - now)
