-- all: one page of records. ARGV[2] = SSCAN cursor over the id set, ARGV[3] = page size (a hint).
-- Returns {next cursor, flat field/value list, ...}; the caller repeats until the cursor is "0". Each page is
-- atomic; a small store (one page) is read as one snapshot.
local page = redis.call('SSCAN', KEYS[2], ARGV[2], 'COUNT', tonumber(ARGV[3]))
local out = {page[1]}
for _, id in ipairs(page[2]) do
  local t = load(id)
  if t then out[#out + 1] = flatten(t) end
end
return out
