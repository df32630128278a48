-- delete: ARGV[2] = id. Removes the record and its index entries; returns 1, or 0 when there was none.
local t = load(ARGV[2])
if not t then return 0 end
unindex(t)
redis.call('DEL', tokenKey(t.id))
redis.call('SREM', KEYS[2], t.id)
return 1
