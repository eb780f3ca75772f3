--[[
  Tops up a backfill's window: moves its cursor from the position the caller read to the one after the chunks it
  planned, puts the chunks to fetch in flight, and counts the ones that end without a call (archived final in the
  QuestDB ledger, or of a domain the API refused), atomically (pipeline/backfill-store.ts claim()). The cursor check
  makes two fillers racing for the same positions harmless: the second one's claim is refused and it reads again.
  KEYS[1] meta hash, KEYS[2] in-flight hash.
  ARGV[1] cursor the caller read, ARGV[2] cursor after its chunks, ARGV[3] now (ms), ARGV[4] reused with rows,
  ARGV[5] reused empty, ARGV[6] refused, then pairs (chunk id, in-flight entry `pending|now|round|chunk JSON`).
  Returns how many chunks were put in flight; -1 when the cursor moved (read again); -2 when the backfill is halted.
]]
if redis.call('HEXISTS', KEYS[1], 'halt_code') == 1 then return -2 end
if tonumber(redis.call('HGET', KEYS[1], 'cursor') or '0') ~= tonumber(ARGV[1]) then return -1 end
redis.call('HSET', KEYS[1], 'cursor', ARGV[2])
local added = 0
for i = 7, #ARGV, 2 do
  if redis.call('HSETNX', KEYS[2], ARGV[i], ARGV[i + 1]) == 1 then added = added + 1 end
end
local loaded, empty, refused = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
redis.call('HINCRBY', KEYS[1], 'n_pending', added)
redis.call('HINCRBY', KEYS[1], 'n_loaded', loaded)
redis.call('HINCRBY', KEYS[1], 'n_empty', empty)
redis.call('HINCRBY', KEYS[1], 'reused', loaded + empty)
redis.call('HINCRBY', KEYS[1], 'n_refused', refused)
local m = redis.call('HMGET', KEYS[1], 'total', 'n_loaded', 'n_empty', 'n_failed', 'n_replanned', 'n_refused')
local sum = 0
for i = 2, 6 do sum = sum + tonumber(m[i] or '0') end
if sum >= tonumber(m[1] or '0') then
  if not redis.call('HGET', KEYS[1], 'finished_at') then redis.call('HSET', KEYS[1], 'finished_at', ARGV[3]) end
end
return added
