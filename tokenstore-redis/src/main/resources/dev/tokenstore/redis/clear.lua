-- clear: removes up to ARGV[2] records (with their index entries) and returns how many it removed; the caller
-- repeats until 0, so that a large store never blocks the server for long. The id counter is kept, so ids
-- are never reused.
local ids = redis.call('SPOP', KEYS[2], tonumber(ARGV[2]))
for _, id in ipairs(ids) do
  local t = load(id)
  if t then
    unindex(t)
    redis.call('DEL', tokenKey(id))
  end
end
return #ids
