--[[
  Extends the pass lock only when this holder still owns it (sync/pass-lock.ts).
  KEYS[1] lock. ARGV[1] the holder's token, ARGV[2] new time to live (ms).
  Returns 1 when extended, 0 otherwise.
]]
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
