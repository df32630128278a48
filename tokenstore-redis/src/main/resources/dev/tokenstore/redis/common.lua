-- tokenstore: shared part of every script (the Java side prepends it to each script body).
-- KEYS[1] = <base>seq (id counter), KEYS[2] = <base>ids (set of all ids). ARGV[1] = <base>, e.g. "{tokenstore}:".
-- Every key this script touches starts with <base>, so all of them share the hash tag and one cluster slot.
local base = ARGV[1]
-- Zoho's ten fields, then issued_at (when the access token was issued, epoch ms; not one of Zoho's fields).
local FIELDS = {'id', 'user_name', 'client_id', 'client_secret', 'refresh_token', 'access_token',
                'grant_token', 'expiry_time', 'redirect_url', 'api_domain', 'issued_at'}
-- index name -> the hash field it indexes
local INDEXES = {user = 'user_name', access = 'access_token', grant = 'grant_token', refresh = 'refresh_token'}

local function tokenKey(id) return base .. 'token:' .. id end
-- Values are hashed into key names (any length, any characters); the real value is compared after lookup.
local function indexKey(name, value) return base .. name .. ':' .. redis.sha1hex(value) end

local function load(id)
  local flat = redis.call('HGETALL', tokenKey(id))
  if #flat == 0 then return nil end
  local t = {}
  for i = 1, #flat, 2 do t[flat[i]] = flat[i + 1] end
  return t
end

local function flatten(t)
  local out = {}
  for _, f in ipairs(FIELDS) do
    if t[f] then
      out[#out + 1] = f
      out[#out + 1] = t[f]
    end
  end
  return out
end

-- The records a lookup names. kind: 'id' | 'user' | 'access' | 'grant' | 'refresh' | 'none'.
-- constraints: flat list field, value, field, value, ...: a candidate must have exactly these values.
-- The Java side (RedisTokenStore.lookupOf) derives kind, value and constraints from TokenKey.
local function lookup(kind, value, constraints)
  local candidates = {}
  if kind == 'id' then
    local t = load(value)
    if t then candidates[1] = t end
  elseif INDEXES[kind] then
    for _, id in ipairs(redis.call('SMEMBERS', indexKey(kind, value))) do
      local t = load(id)
      if t then candidates[#candidates + 1] = t end
    end
  elseif kind ~= 'none' then
    error('tokenstore: unknown lookup kind')
  end
  local out = {}
  for _, t in ipairs(candidates) do
    local ok = true
    for i = 1, #constraints, 2 do
      if t[constraints[i]] ~= constraints[i + 1] then
        ok = false
        break
      end
    end
    if ok then out[#out + 1] = t end
  end
  return out
end

-- ARGV[2] = kind, ARGV[3] = value, ARGV[4] = number of constraint pairs, then the pairs. Returns the index of
-- the first ARGV entry after them.
local function lookupArgs()
  local n = tonumber(ARGV[4])
  local constraints = {}
  for i = 1, 2 * n do constraints[i] = ARGV[4 + i] end
  return ARGV[2], ARGV[3], constraints, 5 + 2 * n
end

local function unindex(t)
  for name, f in pairs(INDEXES) do
    if t[f] then redis.call('SREM', indexKey(name, t[f]), t.id) end
  end
end
