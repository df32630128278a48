-- release: compare-and-delete of a refresh lease: only the holder that was granted it releases it.
-- ARGV[2] = sha1 of (environment, token id), ARGV[3] = holder. Reply: 1 if released, 0 if it had expired or
-- belongs to a later holder. A release is published on <base>released with ARGV[2], which wakes waiters
-- (RedisReleaseListener).
local leaseKey = base .. 'lease:' .. ARGV[2]
local metaKey = base .. 'leasemeta:' .. ARGV[2]
if redis.call('HGET', metaKey, 'holder') == ARGV[3] then
  redis.call('HDEL', metaKey, 'holder')
end
if redis.call('GET', leaseKey) == ARGV[3] then
  redis.call('DEL', leaseKey)
  redis.call('PUBLISH', base .. 'released', ARGV[2])
  return 1
end
return 0
