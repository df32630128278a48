-- clear: removes up to ARGV[2] records (with their index entries) and returns how many it removed; the caller
-- repeats until 0, so that a large store never blocks the server for long. The id counter is kept, so ids
-- are never reused.
-- SPOP is a random write: Redis < 5 replicates it only as effects (a no-op on Redis 5 and later)
if redis.replicate_commands then redis.replicate_commands() end
local ids = redis.call('SPOP', KEYS[2], tonumber(ARGV[2]))
for _, id in ipairs(ids) do
  local t = load(id)
  if t then
    unindex(t)
    redis.call('DEL', tokenKey(id))
  end
end
return #ids
