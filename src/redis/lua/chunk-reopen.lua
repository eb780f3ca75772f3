--[[
  Puts failed chunks of a backfill back in flight for another round, and lifts a halt, so that `--retry-failed`
  finishes what is left (pipeline/backfill-store.ts reopen()).
  KEYS[1] meta hash, KEYS[2] in-flight hash, KEYS[3] failed hash.
  ARGV[1] round, then pairs (chunk id, in-flight entry `pending|now|round|chunk JSON`).
  Returns how many failed chunks were put back in flight.
]]
redis.call('HSET', KEYS[1], 'round', ARGV[1])
redis.call('HDEL', KEYS[1], 'halt_code', 'halt_message', 'account')
local n = 0
for i = 2, #ARGV, 2 do
  if redis.call('HDEL', KEYS[3], ARGV[i]) == 1 then
    redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1])
    n = n + 1
  end
end
redis.call('HINCRBY', KEYS[1], 'n_failed', 0 - n)
redis.call('HINCRBY', KEYS[1], 'n_pending', n)
if n > 0 then redis.call('HDEL', KEYS[1], 'finished_at') end
return n
