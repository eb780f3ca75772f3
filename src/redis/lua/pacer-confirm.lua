--[[
  Confirms a reserved call against the sliding window and records the grant (redis/redis-pacer.ts acquire()).
  KEYS[1] log of send times (sorted set, score = microseconds), KEYS[2] the grant record (stream).
  ARGV[1] window, microseconds; ARGV[2] qps; ARGV[3] a unique member; ARGV[4] the caller's label;
  ARGV[5] how many grants the record keeps (about).
  Returns {wait in microseconds, 0} to wait and try again, or {0, grant time in microseconds} when the send is
  logged (go).
]]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local window = tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', string.format('%.0f', now - window))
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  return {string.format('%.0f', math.max(1, tonumber(oldest[2]) + window - now + 1)), '0'}
end
local at = string.format('%.0f', now)
redis.call('ZADD', KEYS[1], at, ARGV[3])
redis.call('PEXPIRE', KEYS[1], 60000)
redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[5], '*', 't', at, 'by', ARGV[4])
redis.call('PEXPIRE', KEYS[2], 3600000)
return {'0', at}
