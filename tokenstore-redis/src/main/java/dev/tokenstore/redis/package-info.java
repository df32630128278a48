/**
 * The Redis store: {@code redis://[user:password@]host:6379/0?prefix=...} and {@code rediss://} (TLS).
 *
 * <h2>Client: Jedis</h2>
 * The store uses <a href="https://github.com/redis/jedis">Jedis</a> 8 ({@code redis.clients.jedis.RedisClient}),
 * not Lettuce. A token store makes short blocking calls and needs nothing asynchronous; Jedis has a simple
 * blocking API over a pool of plain sockets and few transitive dependencies (commons-pool2, slf4j-api, gson,
 * org.json), while Lettuce brings netty and Reactor, whose netty versions clash with other libraries
 * applications (and our tests) already carry.
 *
 * <h2>Key layout</h2>
 * All keys of one store start with {@code {prefix}:} (default prefix {@code tokenstore}), so they share one
 * Redis Cluster hash tag and live in one slot:
 * <ul>
 *   <li>{@code {prefix}:token:<id>}: a hash with Zoho's column names as fields ({@code id, user_name,
 *       client_id, client_secret, refresh_token, access_token, grant_token, expiry_time, redirect_url,
 *       api_domain}); a null field is absent; {@code expiry_time} is epoch milliseconds as a decimal string;
 *   <li>{@code {prefix}:user:<sha1>}, {@code {prefix}:access:<sha1>}, {@code {prefix}:grant:<sha1>},
 *       {@code {prefix}:refresh:<sha1>}: sets of the ids whose user name (access, grant, refresh token) has that
 *       SHA-1 (hex). Hashing keeps key names short and free of hostile characters whatever the value; the real
 *       value in the hash is compared after every lookup, so a hash collision cannot return a wrong record;
 *   <li>{@code {prefix}:ids}: the set of all ids; {@code {prefix}:seq}: the id counter ({@code INCR});
 *   <li>{@code {prefix}:lease:<sha1>}, {@code {prefix}:leasemeta:<sha1>}: refresh leases (see {@code RedisTokenStore});
 *   <li>{@code {prefix}:entry:<kind>}: the entries of one kind of the store's {@code EntryTable}, a hash of names to
 *       values (plain commands: {@code HGET}, {@code HSETNX}, {@code HSET}, {@code HDEL}, {@code HGETALL}).
 * </ul>
 * SHA-1 rather than SHA-256 because the Lua scripts derive the index keys of a record's old values themselves
 * and {@code redis.sha1hex} is the only digest Redis scripts have.
 *
 * <p>Trade-off: one store is one slot, so one store cannot spread over a cluster; a store per tenant (a
 * prefix each) spreads the load. A store of 100,000 tokens takes roughly 100 MB at most, far below what one
 * node holds.
 *
 * <h2>Atomicity</h2>
 * Every operation that reads an index or writes is one Lua script ({@code EVALSHA}, falling back to
 * {@code EVAL}), so it is atomic against every other client and process: a save finds the record the
 * matching rules name, merges, checks the uniqueness of (user, client id, API domain), assigns an id and
 * writes the hash with its index entries in one step. An index never points at a missing or wrong record.
 * The scripts build the names of index keys from values they read, which Redis Cluster allows because every
 * such key is in the slot of the declared keys ({@code {prefix}:seq}, {@code {prefix}:ids}).
 *
 * <h2>Servers</h2>
 * Needs Redis 4.0 or later (multi-field {@code HSET}); tested with Redis 6.2 (embedded, standalone and a
 * three-master cluster) and Debian's Redis 7.0.
 */
@NullMarked
package dev.tokenstore.redis;

import org.jspecify.annotations.NullMarked;
