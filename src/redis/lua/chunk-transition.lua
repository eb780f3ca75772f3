--[[
  Moves one in-flight chunk of a backfill to a new state and keeps the backfill's per-state counts and finished_at
  in step, atomically (pipeline/backfill-store.ts transition()). Only chunks in the window (the in-flight hash) have
  a state of their own; an ended chunk leaves the hash, and only a failed or re-planned one is kept (why it ended).
  KEYS[1] meta hash, KEYS[2] in-flight hash, KEYS[3] failed hash, KEYS[4] re-planned hash.
  ARGV[1] chunk id, ARGV[2] new state, ARGV[3] rows (loaded), ARGV[4] now (ms), ARGV[5] detail (failed and
  re-planned: the JSON kept for them), then pairs (chunk id, in-flight entry) of replacement chunks (re-planned).
  An in-flight entry is `state|since|round|chunk JSON`.
  Returns the previous state, or false for a chunk that is not in flight (ended already, or unknown).
]]
local entry = redis.call('HGET', KEYS[2], ARGV[1])
if not entry then return false end
local bar = string.find(entry, '|', 1, true)
local old = string.sub(entry, 1, bar - 1)
local new = ARGV[2]
if old == new then return old end
local ended = { loaded = true, empty = true, failed = true, replanned = true, refused = true }
if ended[new] then
  redis.call('HDEL', KEYS[2], ARGV[1])
  if new == 'failed' then redis.call('HSET', KEYS[3], ARGV[1], ARGV[5]) end
  if new == 'replanned' then
    redis.call('HSET', KEYS[4], ARGV[1], ARGV[5])
    local added = 0
    for i = 6, #ARGV, 2 do
      if redis.call('HSETNX', KEYS[2], ARGV[i], ARGV[i + 1]) == 1 then added = added + 1 end
    end
    redis.call('HINCRBY', KEYS[1], 'total', added)
    redis.call('HINCRBY', KEYS[1], 'n_pending', added)
  end
else
  -- since|round|chunk stay; the state and its time change.
  local rest = string.sub(entry, string.find(entry, '|', bar + 1, true) + 1)
  redis.call('HSET', KEYS[2], ARGV[1], new .. '|' .. ARGV[4] .. '|' .. rest)
end
redis.call('HINCRBY', KEYS[1], 'n_' .. old, -1)
redis.call('HINCRBY', KEYS[1], 'n_' .. new, 1)
if new == 'loaded' then redis.call('HINCRBY', KEYS[1], 'rows', tonumber(ARGV[3])) end
local m = redis.call('HMGET', KEYS[1], 'total', 'n_loaded', 'n_empty', 'n_failed', 'n_replanned', 'n_refused')
local sum = 0
for i = 2, 6 do sum = sum + tonumber(m[i] or '0') end
if sum >= tonumber(m[1] or '0') then
  if not redis.call('HGET', KEYS[1], 'finished_at') then redis.call('HSET', KEYS[1], 'finished_at', ARGV[4]) end
else
  redis.call('HDEL', KEYS[1], 'finished_at')
end
return old
