--[[
  Deletes the pass lock only when this holder still owns it (sync/pass-lock.ts).
  KEYS[1] lock. ARGV[1] the holder's token.
  Returns 1 when deleted, 0 otherwise.
]]
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
