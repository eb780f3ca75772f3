--[[
  Who may spend a call for a backfill (pipeline/backfill-store.ts gate()). An account-wide refusal (a wrong secret)
  or a domain-wide one (a domain the account does not have) is learnt from ONE answer: until the backfill has one
  answer, only its first chunk calls (the account probe); until a domain has one answer, only one chunk of that
  domain calls (the domain probe). Everything else waits a moment, then asks again; a refused domain's chunks end
  without a call, and a halted backfill calls no more.
  KEYS[1] meta hash, KEYS[2] domains hash (domain -> `ok`, `probe:<chunk id>`, or the refusal's JSON).
  ARGV[1] mode, ARGV[2] domain, ARGV[3] chunk id, ARGV[4] detail (refuse: JSON; halt: code), ARGV[5] (halt: message).
  Modes and replies:
    enter   -> 'go' | 'probe' (go, and tell confirm or release) | 'wait' | 'refused' | 'halted'
    confirm -> 'ok'  (an answer came: account and domain are fine)
    release -> 'ok'  (the chunk ended without an answer about them: let another chunk probe)
    refuse  -> 'ok'  (the API refused the domain; the account answered, so it is fine)
    halt    -> 'ok'  (the API refused the account: the backfill stops)
]]
local mode, domain, probe = ARGV[1], ARGV[2], 'probe:' .. ARGV[3]
if mode == 'enter' then
  if redis.call('HEXISTS', KEYS[1], 'halt_code') == 1 then return 'halted' end
  local account = redis.call('HGET', KEYS[1], 'account')
  if not account then
    redis.call('HSET', KEYS[1], 'account', probe)
    account = probe
  end
  if account ~= 'ok' and account ~= probe then return 'wait' end
  local d = redis.call('HGET', KEYS[2], domain)
  if not d then
    redis.call('HSET', KEYS[2], domain, probe)
    return 'probe'
  end
  if d == probe then return 'probe' end
  if d == 'ok' then
    if account == probe then return 'probe' end
    return 'go'
  end
  if string.sub(d, 1, 6) == 'probe:' then
    -- Another chunk probes this domain: never hold the account's probe while waiting for it (it may be waiting
    -- for the account).
    if account == probe then redis.call('HDEL', KEYS[1], 'account') end
    return 'wait'
  end
  if account == probe then redis.call('HDEL', KEYS[1], 'account') end
  return 'refused'
elseif mode == 'confirm' then
  redis.call('HSET', KEYS[1], 'account', 'ok')
  redis.call('HSET', KEYS[2], domain, 'ok')
elseif mode == 'release' then
  if redis.call('HGET', KEYS[1], 'account') == probe then redis.call('HDEL', KEYS[1], 'account') end
  if redis.call('HGET', KEYS[2], domain) == probe then redis.call('HDEL', KEYS[2], domain) end
elseif mode == 'refuse' then
  redis.call('HSET', KEYS[1], 'account', 'ok')
  redis.call('HSET', KEYS[2], domain, ARGV[4])
elseif mode == 'halt' then
  redis.call('HSET', KEYS[1], 'halt_code', ARGV[4], 'halt_message', ARGV[5])
  redis.call('HDEL', KEYS[1], 'account')
  if redis.call('HGET', KEYS[2], domain) == probe then redis.call('HDEL', KEYS[2], domain) end
end
return 'ok'
