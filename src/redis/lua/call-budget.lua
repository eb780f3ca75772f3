--[[
  The call budget of one backfill or sync pass (pipeline/call-budget.ts; the decision is budgetSlot() there, on
  Redis' clock): `max_qps` in its meta hash caps how many calls its record holds in any one second. Every call is
  recorded (score: when, ms; member: unique), which also tells `status` who spends the quota. When the cap is
  reached the chunk is given a reservation, the first time the cap allows (member `r:<job id>`), and waits for it;
  when its job comes back the reservation becomes its call. Reservations queue in order (no herd waking at once).
  The record is bounded: entries older than the history go, at most ARGV[4] are kept, and it expires when idle.
  KEYS[1] the backfill's meta hash (field max_qps; absent or 0: no cap); KEYS[2] its call record (sorted set).
  ARGV[1] job id (names the reservation); ARGV[2] unique id of this call; ARGV[3] history kept, ms;
  ARGV[4] most entries kept; ARGV[5] now, ms, or '' for Redis' TIME (tests drive a virtual clock).
  Returns the wait in ms: 0 = call now (recorded), > 0 = come back then (reserved).
]]
local now
if ARGV[5] ~= '' then
  now = tonumber(ARGV[5])
else
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local history = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', '(' .. string.format('%.0f', now - history))
local reservation = 'r:' .. ARGV[1]
local held = redis.call('ZSCORE', KEYS[2], reservation)
local slot = nil
if held then
  held = tonumber(held)
  if held > now then return held - now end
  redis.call('ZREM', KEYS[2], reservation)
  -- Back in time: the reservation is its call. Back more than a second late: its slot passed, ask again.
  if now - held <= 1000 then slot = held end
end
if not slot then
  slot = now
  local cap = tonumber(redis.call('HGET', KEYS[1], 'max_qps') or '0') or 0
  if cap > 0 then
    local recent = redis.call('ZRANGEBYSCORE', KEYS[2], '(' .. string.format('%.0f', now - 1000), '+inf', 'WITHSCORES')
    local k = #recent / 2
    if k >= cap then
      local oldest = tonumber(recent[(k - cap) * 2 + 2])
      local last = tonumber(recent[k * 2])
      slot = math.max(now, last, oldest + 1000)
    end
  end
end
local member = ARGV[2]
if slot > now then member = reservation end
redis.call('ZADD', KEYS[2], slot, member)
local size = redis.call('ZCARD', KEYS[2])
local most = tonumber(ARGV[4])
if size > most then redis.call('ZREMRANGEBYRANK', KEYS[2], 0, size - most - 1) end
redis.call('PEXPIRE', KEYS[2], math.max(slot - now, 0) + history)
return slot - now
