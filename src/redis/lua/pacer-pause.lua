--[[
  Pushes the pacer's schedule to at least now + pause, for every caller (redis/redis-pacer.ts pause()).
  KEYS[1] next free slot, microseconds since the epoch.
  ARGV[1] pause, microseconds.
  Returns 1.
]]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local nextFree = tonumber(redis.call('GET', KEYS[1]) or '0')
local resume = now + tonumber(ARGV[1])
if resume > nextFree then
  redis.call('SET', KEYS[1], string.format('%.0f', resume), 'PX', 3600000)
end
return 1
