--[[
  Adds chunks to a backfill as pending, leaving known ones as they are (pipeline/backfill-store.ts addChunks()).
  KEYS[1] states hash, KEYS[2] meta hash, KEYS[3] chunks hash.
  ARGV: pairs of (chunk id, chunk JSON).
  Returns how many chunks were new.
]]
local added = 0
for i = 1, #ARGV, 2 do
  if redis.call('HSETNX', KEYS[1], ARGV[i], 'pending') == 1 then
    redis.call('HSET', KEYS[3], ARGV[i], ARGV[i + 1])
    added = added + 1
  end
end
if added > 0 then
  redis.call('HINCRBY', KEYS[2], 'total', added)
  redis.call('HINCRBY', KEYS[2], 'n_pending', added)
  redis.call('HDEL', KEYS[2], 'finished_at')
end
return added
