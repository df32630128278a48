-- lease: grants a refresh lease if none is held (SET NX PX semantics, atomically with the fence).
-- ARGV[2] = sha1 of (environment, token id), ARGV[3] = holder (random), ARGV[4] = lease in milliseconds.
-- <base>lease:<h> holds the holder and expires by itself (the server's clock); <base>leasemeta:<h> is a hash with
-- 'fence' (INCR, grows with every grant) and 'holder' (the last grant's holder, removed on release: still present
-- at the next grant means the previous holder let its lease expire = a take-over).
-- Reply: {0, 0} when another holder has an unexpired lease; {fence, tookOver (0/1)} for a grant. A call repeated
-- by the same holder (its first reply was lost on a broken connection) gets its grant again, not a refusal.
local leaseKey = base .. 'lease:' .. ARGV[2]
local metaKey = base .. 'leasemeta:' .. ARGV[2]
if redis.call('SET', leaseKey, ARGV[3], 'NX', 'PX', tonumber(ARGV[4])) == false then
  if redis.call('GET', leaseKey) == ARGV[3] then
    return {tonumber(redis.call('HGET', metaKey, 'fence')), 0}
  end
  return {0, 0}
end
local fence = redis.call('HINCRBY', metaKey, 'fence', 1)
local took = redis.call('HEXISTS', metaKey, 'holder')
redis.call('HSET', metaKey, 'holder', ARGV[3])
return {fence, took}
