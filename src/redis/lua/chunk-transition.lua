--[[
  Moves one chunk of a backfill to a new state and keeps the backfill's per-state counts and finished_at in step,
  atomically (pipeline/backfill-store.ts transition()).
  KEYS[1] states hash, KEYS[2] meta hash.
  ARGV[1] chunk id, ARGV[2] new state, ARGV[3] rows, ARGV[4] '1' = may leave an ended state, ARGV[5] now (ms).
  Returns the previous state, or false for a chunk the backfill does not have.
]]
local old = redis.call('HGET', KEYS[1], ARGV[1])
if not old then return false end
if old == ARGV[2] then return old end
local ended = { loaded = true, empty = true, failed = true, replanned = true }
if ended[old] and ARGV[4] ~= '1' then return old end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('HINCRBY', KEYS[2], 'n_' .. old, -1)
redis.call('HINCRBY', KEYS[2], 'n_' .. ARGV[2], 1)
if ARGV[2] == 'loaded' then redis.call('HINCRBY', KEYS[2], 'rows', tonumber(ARGV[3])) end
local m = redis.call('HMGET', KEYS[2], 'total', 'n_loaded', 'n_empty', 'n_failed', 'n_replanned')
local sum = 0
for i = 2, 5 do sum = sum + tonumber(m[i] or '0') end
if sum >= tonumber(m[1] or '0') then
  if not redis.call('HGET', KEYS[2], 'finished_at') then redis.call('HSET', KEYS[2], 'finished_at', ARGV[5]) end
else
  redis.call('HDEL', KEYS[2], 'finished_at')
end
return old
