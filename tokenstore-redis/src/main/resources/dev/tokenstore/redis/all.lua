-- all: every record of this store, each as a flat field/value list (unordered; Java sorts by id).
local out = {}
for _, id in ipairs(redis.call('SMEMBERS', KEYS[2])) do
  local t = load(id)
  if t then out[#out + 1] = flatten(t) end
end
return out
