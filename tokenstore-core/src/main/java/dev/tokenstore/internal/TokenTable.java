package dev.tokenstore.internal;

import dev.tokenstore.OAuthToken;
import dev.tokenstore.spi.TokenKey;
import dev.tokenstore.spi.TokenRules;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * Token records in memory with a hash index for every lookup the matching rules make: id, user name, access,
 * grant and refresh token. Lookups cost O(matches), not O(records). Used by the memory and file stores.
 *
 * <p>Not thread-safe: the owning store guards it with a lock.
 */
public final class TokenTable {
  private final Map<String, OAuthToken> byId = new HashMap<>();
  /** The records in {@link TokenRules#ID_ORDER}, kept as records change, so that {@link #all()} sorts nothing. */
  private final TreeMap<String, OAuthToken> ordered = new TreeMap<>(TokenRules.ID_ORDER);
  private final Map<String, Set<String>> byUser = new HashMap<>();
  private final Map<String, Set<String>> byAccess = new HashMap<>();
  private final Map<String, Set<String>> byGrant = new HashMap<>();
  private final Map<String, Set<String>> byRefresh = new HashMap<>();
  private BigInteger maxNumericId = BigInteger.ZERO;

  /** The records {@code key} matches. */
  public List<OAuthToken> find(TokenKey key) {
    if (key instanceof TokenKey.ById k) {
      OAuthToken t = byId.get(k.id());
      return t == null ? List.of() : List.of(t);
    }
    if (key instanceof TokenKey.ByUser k) {
      return lookup(byUser, k.userName(), key);
    }
    if (key instanceof TokenKey.ByAccessToken k) {
      return lookup(byAccess, k.accessToken(), key);
    }
    if (key instanceof TokenKey.ByGrantToken k) {
      return lookup(byGrant, k.grantToken(), key);
    }
    if (key instanceof TokenKey.ByRefreshToken k) {
      return lookup(byRefresh, k.refreshToken(), key);
    }
    return List.of();
  }

  /** The one record {@code query} means, or empty; fails on an ambiguous query. */
  public Optional<OAuthToken> findOne(OAuthToken query) {
    TokenKey key = TokenKey.of(query);
    return TokenRules.single(key, find(key));
  }

  public Optional<OAuthToken> get(String id) {
    return Optional.ofNullable(byId.get(id));
  }

  /**
   * Saves {@code token} by the store rules (merge into the record it means, or insert with a new numeric id)
   * and returns the record as stored. Leaves the table unchanged when it throws.
   */
  public OAuthToken save(OAuthToken token) {
    OAuthToken stored = findOne(token).orElse(null);
    OAuthToken planned = TokenRules.planSave(stored, token);
    if (planned.id() == null) {
      planned = planned.toBuilder().id(maxNumericId.add(BigInteger.ONE).toString()).build();
    }
    checkUnique(planned);
    put(planned);
    return planned;
  }

  /** Fails if another record has the same user name, client id and API domain as {@code token}. */
  public void checkUnique(OAuthToken token) {
    TokenRules.UniqueKey unique = TokenRules.uniqueKey(token);
    if (unique == null) {
      return;
    }
    for (String otherId : byUser.getOrDefault(unique.userName(), Set.of())) {
      OAuthToken other = byId.get(otherId);
      if (other != null && !otherId.equals(token.id()) && unique.equals(TokenRules.uniqueKey(other))) {
        throw TokenRules.duplicate(token, other);
      }
    }
  }

  /** Inserts or replaces the record with {@code token}'s id (which must be set), without any rule checks. */
  public void put(OAuthToken token) {
    String id = token.id();
    if (id == null) {
      throw new IllegalArgumentException("a stored token needs an id");
    }
    OAuthToken old = byId.put(id, token);
    if (old != null) {
      unindex(old);
    }
    ordered.put(id, token);
    index(token);
    if (TokenRules.isNumeric(id)) {
      BigInteger v = new BigInteger(id);
      if (v.compareTo(maxNumericId) > 0) {
        maxNumericId = v;
      }
    }
  }

  public boolean remove(String id) {
    OAuthToken old = byId.remove(id);
    if (old == null) {
      return false;
    }
    ordered.remove(id);
    unindex(old);
    return true;
  }

  public void clear() {
    byId.clear();
    ordered.clear();
    byUser.clear();
    byAccess.clear();
    byGrant.clear();
    byRefresh.clear();
  }

  /** All records in {@link TokenRules#BY_ID} order (a copy). */
  public List<OAuthToken> all() {
    return new ArrayList<>(ordered.values());
  }

  /** All records in {@link TokenRules#BY_ID} order: a read-only view that follows later changes. */
  /** The records whose ids come after {@code after} in {@link TokenRules#ID_ORDER} (all when null), a live view. */
  public Collection<OAuthToken> after(@Nullable String after) {
    return Collections.unmodifiableCollection(
        after == null ? ordered.values() : ordered.tailMap(after, false).values());
  }

  public Collection<OAuthToken> inOrder() {
    return Collections.unmodifiableCollection(ordered.values());
  }

  /** One past the highest numeric id this table has held (ids removed since included). */
  public BigInteger nextNumericId() {
    return maxNumericId.add(BigInteger.ONE);
  }

  public int size() {
    return byId.size();
  }

  private List<OAuthToken> lookup(Map<String, Set<String>> index, String value, TokenKey key) {
    Set<String> ids = index.get(value);
    if (ids == null) {
      return List.of();
    }
    List<OAuthToken> out = new ArrayList<>(ids.size());
    for (String id : ids) {
      OAuthToken t = byId.get(id);
      if (t != null && key.matches(t)) {
        out.add(t);
      }
    }
    return out;
  }

  private void index(OAuthToken t) {
    String id = t.id();
    add(byUser, t.userName(), id);
    add(byAccess, t.accessToken(), id);
    add(byGrant, t.grantToken(), id);
    add(byRefresh, t.refreshToken(), id);
  }

  private void unindex(OAuthToken t) {
    String id = t.id();
    drop(byUser, t.userName(), id);
    drop(byAccess, t.accessToken(), id);
    drop(byGrant, t.grantToken(), id);
    drop(byRefresh, t.refreshToken(), id);
  }

  private static final Function<String, Set<String>> NEW_SET = k -> new LinkedHashSet<>(2);

  private static void add(Map<String, Set<String>> index, @Nullable String value, @Nullable String id) {
    if (value != null && id != null) {
      index.computeIfAbsent(value, NEW_SET).add(id);
    }
  }

  private static void drop(Map<String, Set<String>> index, @Nullable String value, @Nullable String id) {
    if (value == null || id == null) {
      return;
    }
    Collection<String> ids = index.get(value);
    if (ids != null) {
      ids.remove(id);
      if (ids.isEmpty()) {
        index.remove(value);
      }
    }
  }
}
