-- find: the records a lookup names, each as a flat field/value list.
local kind, value, constraints = lookupArgs()
local out = {}
for _, t in ipairs(lookup(kind, value, constraints)) do out[#out + 1] = flatten(t) end
return out
