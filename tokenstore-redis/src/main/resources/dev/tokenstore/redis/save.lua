-- save: the whole save in one atomic step. ARGV as in lookupArgs, then the eleven fields of the token to save
-- in FIELDS order ('' = not set). Replies (tables, binary-safe, never error replies):
--   {'ok', field, value, ...}                the record as stored
--   {'ambiguous', id, id, ...}               the lookup names several records; nothing written
--   {'conflict'}                             a conditional save whose record changed or is gone; nothing written
--   {'invalid'}                              a new record without refresh, grant or access token; nothing written
--   {'duplicate', id or '', otherId, user, client or '', domain or ''}  another record has the same user,
--                                            client id and API domain; nothing written
local kind, value, constraints, at = lookupArgs()
local update = {}
for j, f in ipairs(FIELDS) do
  local v = ARGV[at + j - 1]
  if v ~= '' then update[f] = v end
end

local matches = lookup(kind, value, constraints)
if #matches > 1 then
  local r = {'ambiguous'}
  for _, t in ipairs(matches) do r[#r + 1] = t.id end
  return r
end
local stored = matches[1]

-- compare-and-set (ConditionalSave): after the eleven fields, 'cas', the expected access token, refresh token and
-- client secret
local casAt = at + #FIELDS
if ARGV[casAt] == 'cas' then
  if not stored or (stored.access_token or '') ~= ARGV[casAt + 1]
      or (stored.refresh_token or '') ~= ARGV[casAt + 2]
      or (stored.client_secret or '') ~= ARGV[casAt + 3] then
    return {'conflict'}
  end
end

-- merge: fields set on the update overwrite, the others keep their stored values; the stored id is kept
local merged = {}
if stored then
  for _, f in ipairs(FIELDS) do merged[f] = stored[f] end
  for f, v in pairs(update) do
    if f ~= 'id' then merged[f] = v end
  end
  -- the issue time belongs to the expiry it came with (TokenRules.merge): a new expiry without one clears it
  if update.expiry_time and not update.issued_at then merged.issued_at = nil end
else
  if not (update.refresh_token or update.grant_token or update.access_token) then return {'invalid'} end
  for f, v in pairs(update) do merged[f] = v end
end

-- uniqueness of (user, client id, API domain); absent values compare equal to each other
if merged.user_name then
  for _, oid in ipairs(redis.call('SMEMBERS', indexKey('user', merged.user_name))) do
    if oid ~= merged.id then
      local o = load(oid)
      if o and o.user_name == merged.user_name and o.client_id == merged.client_id
          and o.api_domain == merged.api_domain then
        return {'duplicate', merged.id or '', oid, merged.user_name, merged.client_id or '', merged.api_domain or ''}
      end
    end
  end
end

-- ids: INCR, skipping any id in use (tokens written before the counter existed, or given ids);
-- a given numeric id moves the counter past it
if not merged.id then
  repeat
    merged.id = string.format('%d', redis.call('INCR', KEYS[1]))
  until redis.call('EXISTS', tokenKey(merged.id)) == 0
elseif not stored and string.match(merged.id, '^%d+$') and #merged.id <= 15 then
  local current = tonumber(redis.call('GET', KEYS[1]) or '0') or 0
  if tonumber(merged.id) > current then redis.call('SET', KEYS[1], merged.id) end
end

-- write: drop index entries of values that changed, then the hash, the new index entries and the id set
if stored then
  for name, f in pairs(INDEXES) do
    if stored[f] and stored[f] ~= merged[f] then redis.call('SREM', indexKey(name, stored[f]), merged.id) end
  end
end
local flat = flatten(merged)
redis.call('HSET', tokenKey(merged.id), unpack(flat))
if stored and stored.issued_at and not merged.issued_at then redis.call('HDEL', tokenKey(merged.id), 'issued_at') end
for name, f in pairs(INDEXES) do
  if merged[f] then redis.call('SADD', indexKey(name, merged[f]), merged.id) end
end
redis.call('SADD', KEYS[2], merged.id)
local r = {'ok'}
for _, x in ipairs(flat) do r[#r + 1] = x end
return r
