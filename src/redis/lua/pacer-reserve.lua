--[[
  Reserves the next call slot of the global pacer (redis/redis-pacer.ts acquire()), on Redis' clock.
  KEYS[1] next free slot, microseconds since the epoch.
  ARGV[1] spacing between calls, microseconds.
  Returns the wait in microseconds until the reserved slot (0 = call now).
]]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local nextFree = tonumber(redis.call('GET', KEYS[1]) or '0')
local slot = now
if nextFree > now then slot = nextFree end
redis.call('SET', KEYS[1], string.format('%.0f', slot + tonumber(ARGV[1])), 'PX', 3600000)
return string.format('%.0f', slot - now)
