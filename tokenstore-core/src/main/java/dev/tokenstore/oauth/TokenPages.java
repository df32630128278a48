package dev.tokenstore.oauth;

import dev.tokenstore.ErrorCode;
import dev.tokenstore.OAuthToken;
import dev.tokenstore.TokenStore;
import dev.tokenstore.TokenstoreException;
import dev.tokenstore.spi.ReturnsTokens;
import dev.tokenstore.spi.TokenRules;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * One page of a store's tokens at a time, and how many there are by status, without reading every record: for
 * lists of many tokens (the console's token list, {@code GET /api/v1/tokens}). An optional capability, found with
 * {@code store.capability(TokenPages.class)}; use {@link #of(TokenStore)}, which falls back to
 * {@link #scanning(TokenStore)} (every call reads all records with {@code getTokens()}) for a store that lacks it.
 * It lives beside {@link TokenStatus}, whose rule its status filter and counts follow (the SPI package does not
 * depend on this one).
 *
 * <h2>Decorators</h2>
 * It {@linkplain ReturnsTokens returns tokens}: a {@link dev.tokenstore.spi.ForwardingTokenStore} hands out a view
 * whose pages pass through its {@code revealed} hook (by default {@code fromDelegate}), and whose counts are the
 * wrapped store's. The filters are applied by the wrapped store to the records as it keeps them, so a decorator that
 * changes user names, client ids, times, or whether a token is set hides {@code TokenPages.class} (callers then
 * page through its {@code getTokens()}); one that only transforms token values, keeping null as null (an encrypting
 * store), keeps it.
 *
 * <h2>Order and keyset paging</h2>
 * Pages follow {@link TokenRules#ID_ORDER}, the order of {@code getTokens()}: a page holds the first
 * {@code limit} records that match the {@link Filter} and whose id comes after {@code after} (from the start when
 * null). The next page is asked for with the last id of this one, so a page costs the same at the start and at
 * the end of 100,000 records, and records saved or deleted meanwhile neither repeat nor skip others. A SQL store
 * may page ids that are not 1 to 18 digits (which neither this library nor Zoho's SDKs write) in its engine's
 * binary text order after the numeric ones; see its documentation.
 *
 * <h2>Filters</h2>
 * Each part of a {@link Filter} that is not null must hold: the exact user name, a text the user name contains
 * (ASCII letters compared without case, other characters exactly), the exact client id, the status at the given
 * time ({@link TokenStatus#of}). {@link Filter#matches} is the rule; a store may narrow with its own engine but
 * the rule decides.
 *
 * <p>Implementations are thread-safe. Each call is one consistent read where the store offers one (one SQL
 * statement per batch, or one lock); pages read at different times may see different records.
 */
public interface TokenPages extends ReturnsTokens<TokenPages> {
  /** The largest page: 10,000 records. */
  int MAX_LIMIT = 10_000;

  /**
   * The next page: at most {@code limit} records matching {@code filter} at {@code now}, ids after {@code after}
   * (every id when null), in {@link TokenRules#ID_ORDER}. Fewer than {@code limit} means there are no more.
   *
   * @throws TokenstoreException {@link ErrorCode#INVALID_ARGUMENT} when {@code limit} is not 1 to {@link #MAX_LIMIT}
   * @throws dev.tokenstore.StoreException for store failures
   */
  List<OAuthToken> page(Filter filter, @Nullable String after, int limit, Instant now);

  /**
   * The errors that keep one record from being handed out while the others still can be (an encrypting store's
   * damaged ciphertext, a seal that does not fit, a key the keyring lacks, a plain secret): the errors
   * {@link #items} reports per record. Every other error (the store unavailable, closed, a keyring that cannot be
   * read) still fails the whole page.
   */
  Set<ErrorCode> UNREADABLE_RECORD = Set.of(ErrorCode.DECRYPTION_FAILED, ErrorCode.RECORD_MISMATCH,
      ErrorCode.UNKNOWN_KEY, ErrorCode.NOT_ENCRYPTED);

  /**
   * The page {@link #page} returns, with each record that the store holds but cannot hand out (an error of
   * {@link #UNREADABLE_RECORD}) in its place as an {@linkplain Item#unreadable unreadable item} instead of failing
   * the whole page: for lists shown to an operator, who must see the good records and find the bad ones. Same
   * filter, order, limit and keyset paging as {@link #page}; an unreadable item's id continues the paging.
   *
   * <p>The default returns every record of {@link #page} as readable: a store that keeps tokens as callers see them
   * has no unreadable records. A decorator's view ({@link #revealedBy}) reports the records its reveal refuses.
   *
   * @throws TokenstoreException {@link ErrorCode#INVALID_ARGUMENT} when {@code limit} is not 1 to {@link #MAX_LIMIT}
   * @throws dev.tokenstore.StoreException for store failures
   */
  default List<Item> items(Filter filter, @Nullable String after, int limit, Instant now) {
    List<Item> out = new ArrayList<>();
    for (OAuthToken t : page(filter, after, limit, now)) {
      out.add(Item.readable(t));
    }
    return Collections.unmodifiableList(out);
  }

  /**
   * One record of a page read with {@link #items}: its {@code token}, or the {@code error} that keeps it from being
   * read (never both, never neither). {@code id} and {@code userName} are the stored record's (user names are kept
   * in clear, so they are known for an unreadable record too); the error's message names the record and what to
   * do, never a secret. Immutable and thread-safe.
   *
   * @param id the stored record's id
   * @param userName the stored record's user name
   * @param token the record as handed out; null when it cannot be read
   * @param error why the record cannot be read (its code one of {@link #UNREADABLE_RECORD}); null when it can
   */
  record Item(String id, @Nullable String userName, @Nullable OAuthToken token,
      @Nullable TokenstoreException error) {
    /** Checks that exactly one of {@code token} and {@code error} is set. */
    public Item {
      Objects.requireNonNull(id, "id");
      if ((token == null) == (error == null)) {
        throw new IllegalArgumentException("An item holds either a token or an error");
      }
    }

    /** A record handed out as {@code token} (which has an id). */
    public static Item readable(OAuthToken token) {
      return new Item(Objects.requireNonNull(token.id(), "token id"), token.userName(), token, null);
    }

    /**
     * The record {@code stored} (as the store keeps it: only its id and user name are kept) that {@code error}
     * keeps from being read.
     */
    public static Item unreadable(OAuthToken stored, TokenstoreException error) {
      return new Item(Objects.requireNonNull(stored.id(), "stored id"), stored.userName(), null,
          Objects.requireNonNull(error, "error"));
    }

    /** Whether the record was read ({@code token} is set). */
    public boolean readable() {
      return token != null;
    }
  }

  /**
   * How many records match {@code filter} (its status aside), by their status at {@code now}; every status is a
   * key (0 when none).
   *
   * @throws dev.tokenstore.StoreException for store failures
   */
  Map<TokenStatus, Long> countByStatus(Filter filter, Instant now);

  /**
   * This paging with each record of a page passed through {@code reveal} (records it maps to null are left out) and
   * the same counts: the view a decorator hands out ({@link ReturnsTokens}). Its {@link #page} fails when
   * {@code reveal} throws for any record; its {@link #items} reads this paging's {@link #items} and reports a record
   * for which {@code reveal} throws an error of {@link #UNREADABLE_RECORD} as an unreadable item, with the stored
   * record's id and user name (an item this paging found unreadable stays so), so that views of views compose.
   */
  @Override
  default TokenPages revealedBy(Function<OAuthToken, @Nullable OAuthToken> reveal) {
    Objects.requireNonNull(reveal, "reveal");
    TokenPages stored = this;
    return new TokenPages() {
      @Override
      public List<OAuthToken> page(Filter filter, @Nullable String after, int limit, Instant now) {
        List<OAuthToken> out = new ArrayList<>();
        for (OAuthToken t : stored.page(filter, after, limit, now)) {
          OAuthToken shown = reveal.apply(t);
          if (shown != null) {
            out.add(shown);
          }
        }
        return Collections.unmodifiableList(out);
      }

      @Override
      public List<Item> items(Filter filter, @Nullable String after, int limit, Instant now) {
        // the wrapped paging's items, so that decorators of decorators compose: an item it already found
        // unreadable stays so, and each readable one passes through this reveal
        List<Item> out = new ArrayList<>();
        for (Item i : stored.items(filter, after, limit, now)) {
          OAuthToken t = i.token();
          if (t == null) {
            out.add(i);
            continue;
          }
          OAuthToken shown;
          try {
            shown = reveal.apply(t);
          } catch (TokenstoreException e) {
            if (!UNREADABLE_RECORD.contains(e.code())) {
              throw e;
            }
            out.add(new Item(i.id(), i.userName(), null, e));
            continue;
          }
          if (shown != null) {
            out.add(Item.readable(shown));
          }
        }
        return Collections.unmodifiableList(out);
      }

      @Override
      public Map<TokenStatus, Long> countByStatus(Filter filter, Instant now) {
        return stored.countByStatus(filter, now);
      }
    };
  }

  /**
   * Which records a page holds; each part null means any. Immutable and thread-safe.
   *
   * @param userName the exact user name
   * @param userNameContains a text the user name contains, ASCII letters compared without case (empty: any)
   * @param clientId the exact client id
   * @param status the status at the time of the call
   */
  record Filter(@Nullable String userName, @Nullable String userNameContains, @Nullable String clientId,
      @Nullable TokenStatus status) {
    /** Every record. */
    public static final Filter ALL = new Filter(null, null, null, null);

    /** This filter with another status (null: any). */
    public Filter withStatus(@Nullable TokenStatus status) {
      return new Filter(userName, userNameContains, clientId, status);
    }

    /** Whether {@code t} is one of the records this filter means, at {@code now}. */
    public boolean matches(OAuthToken t, Instant now) {
      return t.id() != null
          && (userName == null || userName.equals(t.userName()))
          && (userNameContains == null || userNameContains.isEmpty()
              || (t.userName() != null && asciiLower(t.userName()).contains(asciiLower(userNameContains))))
          && (clientId == null || clientId.equals(t.clientId()))
          && (status == null || TokenStatus.of(t, now) == status);
    }

    /** {@code s} with the ASCII letters {@code A-Z} made lower case and every other character kept. */
    public static String asciiLower(String s) {
      StringBuilder sb = null;
      for (int i = 0; i < s.length(); i++) {
        char c = s.charAt(i);
        if (c >= 'A' && c <= 'Z') {
          if (sb == null) {
            sb = new StringBuilder(s);
          }
          sb.setCharAt(i, (char) (c + ('a' - 'A')));
        }
      }
      return sb == null ? s : sb.toString();
    }
  }

  /**
   * Every record of {@code store} in {@link TokenRules#ID_ORDER}, each read or with the error that keeps it from
   * being read, as {@link #items} reports them: for whoever must go over all records (the CLI's {@code list}, the
   * server's refresh ahead) without one damaged record hiding the others. One read of every record
   * ({@code getTokens()}) when each can be read; only when one cannot (an error of {@link #UNREADABLE_RECORD}),
   * {@link #of(TokenStore) its paging} a page of {@link #MAX_LIMIT} at a time (a store without paging of its own
   * is then read whole for each page).
   *
   * @throws dev.tokenstore.StoreException for store failures
   */
  static List<Item> allItems(TokenStore store, Instant now) {
    Objects.requireNonNull(now, "now");
    List<OAuthToken> all;
    try {
      all = store.getTokens();
    } catch (TokenstoreException e) {
      if (!UNREADABLE_RECORD.contains(e.code())) {
        throw e;
      }
      TokenPages pages = of(store);
      List<Item> out = new ArrayList<>();
      String after = null;
      while (true) {
        List<Item> page = pages.items(Filter.ALL, after, MAX_LIMIT, now);
        out.addAll(page);
        if (page.size() < MAX_LIMIT) {
          return Collections.unmodifiableList(out);
        }
        after = page.get(page.size() - 1).id();
      }
    }
    List<Item> out = new ArrayList<>(all.size());
    for (OAuthToken t : all) {
      if (t.id() != null) {
        out.add(Item.readable(t));
      }
    }
    return Collections.unmodifiableList(out);
  }

  /** {@code store}'s own paging when it has one, otherwise {@link #scanning(TokenStore) scanning} it. */
  static TokenPages of(TokenStore store) {
    Objects.requireNonNull(store, "store");
    return store.capability(TokenPages.class).orElseGet(() -> scanning(store));
  }

  /**
   * Paging by reading every record ({@code store.getTokens()}) on each call: correct for any store, costs a full
   * read per page. The fallback of {@link #of(TokenStore)}.
   */
  static TokenPages scanning(TokenStore store) {
    Objects.requireNonNull(store, "store");
    return new TokenPages() {
      @Override
      public List<OAuthToken> page(Filter filter, @Nullable String after, int limit, Instant now) {
        checkLimit(limit);
        List<OAuthToken> all = new ArrayList<>(store.getTokens());
        all.sort(TokenRules.BY_ID);
        return pageOf(all, filter, after, limit, now);
      }

      @Override
      public Map<TokenStatus, Long> countByStatus(Filter filter, Instant now) {
        return countOf(store.getTokens(), filter, now);
      }
    };
  }

  /**
   * For stores that hold their records in memory: the page of {@code inOrder} (records in
   * {@link TokenRules#ID_ORDER}) after {@code after}. Reads from the first record after {@code after} only as far
   * as the page needs, when {@code inOrder} starts there (e.g. a {@code TreeMap}'s tail).
   */
  static List<OAuthToken> pageOf(Iterable<OAuthToken> inOrder, Filter filter, @Nullable String after, int limit,
      Instant now) {
    checkLimit(limit);
    Objects.requireNonNull(filter, "filter");
    Objects.requireNonNull(now, "now");
    List<OAuthToken> out = new ArrayList<>(Math.min(limit, 64));
    for (OAuthToken t : inOrder) {
      String id = t.id();
      if (id == null || (after != null && TokenRules.ID_ORDER.compare(id, after) <= 0) || !filter.matches(t, now)) {
        continue;
      }
      out.add(t);
      if (out.size() == limit) {
        break;
      }
    }
    return Collections.unmodifiableList(out);
  }

  /** For stores that hold their records in memory: {@link #countByStatus} over {@code records}. */
  static Map<TokenStatus, Long> countOf(Iterable<OAuthToken> records, Filter filter, Instant now) {
    Objects.requireNonNull(now, "now");
    Filter any = filter.withStatus(null);
    Map<TokenStatus, Long> counts = zeroCounts();
    for (OAuthToken t : records) {
      if (any.matches(t, now)) {
        counts.merge(TokenStatus.of(t, now), 1L, Long::sum);
      }
    }
    return counts;
  }

  /** A count of 0 for every status, in a mutable map in the order of {@link TokenStatus}. */
  static Map<TokenStatus, Long> zeroCounts() {
    Map<TokenStatus, Long> counts = new EnumMap<>(TokenStatus.class);
    for (TokenStatus s : TokenStatus.values()) {
      counts.put(s, 0L);
    }
    return counts;
  }

  /**
   * Checks a page size.
   *
   * @throws TokenstoreException {@link ErrorCode#INVALID_ARGUMENT} when it is not 1 to {@link #MAX_LIMIT}
   */
  static void checkLimit(int limit) {
    if (limit < 1 || limit > MAX_LIMIT) {
      throw new TokenstoreException(ErrorCode.INVALID_ARGUMENT, "A page holds 1 to " + MAX_LIMIT + " tokens, not "
          + limit + ".");
    }
  }
}
