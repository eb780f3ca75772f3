--[[
  Moves a domain's watermark forward, never back (sync/watermark-store.ts advance()).
  KEYS[1] watermarks hash.
  ARGV[1] domain, ARGV[2] candidate watermark (epoch ms), ARGV[3] now (epoch ms).
  Returns the stored JSON afterwards, or false when the domain has no watermark.
]]
local raw = redis.call('HGET', KEYS[1], ARGV[1])
if not raw then return false end
local wm = cjson.decode(raw)
if tonumber(ARGV[2]) > tonumber(wm.watermark) then
  -- Formatted by hand: cjson would print epoch milliseconds with 14 significant digits in exponent form.
  raw = string.format('{"watermark":%s,"floor":%s,"updatedAt":%s}', ARGV[2], string.format('%.0f', tonumber(wm.floor or wm.watermark)), ARGV[3])
  redis.call('HSET', KEYS[1], ARGV[1], raw)
end
return raw
