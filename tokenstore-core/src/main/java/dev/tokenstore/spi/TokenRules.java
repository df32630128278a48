package dev.tokenstore.spi;

import dev.tokenstore.ErrorCode;
import dev.tokenstore.OAuthToken;
import dev.tokenstore.Secrets;
import dev.tokenstore.StoreException;
import java.math.BigInteger;
import java.time.Instant;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * The rules every store applies around {@link TokenKey}: which single match a lookup returns, what a store may
 * take at all ({@link #requireWellFormed}), how a save merges into a stored record, what a new record needs, which
 * records would be duplicates, and how ids are ordered and made. Stateless and thread-safe.
 */
public final class TokenRules {

  /**
   * The earliest expiry a store keeps: {@code Instant.ofEpochMilli(Long.MIN_VALUE)}, the earliest instant Zoho's
   * {@code expiry_time} (signed 64-bit epoch milliseconds) can hold, about 292 million years before 1970.
   */
  public static final Instant EARLIEST_EXPIRY = Instant.ofEpochMilli(Long.MIN_VALUE);

  /**
   * The latest expiry a store keeps: {@code Instant.ofEpochMilli(Long.MAX_VALUE)}, the latest instant Zoho's
   * {@code expiry_time} (signed 64-bit epoch milliseconds) can hold, about 292 million years after 1970.
   */
  public static final Instant LATEST_EXPIRY = Instant.ofEpochMilli(Long.MAX_VALUE);

  /**
   * Ids in numeric order where both are numbers (Zoho's ids), numbers before other ids, others by text.
   */
  public static final Comparator<String> ID_ORDER = TokenRules::compareIds;

  /** Tokens ordered by {@link #ID_ORDER}; tokens without an id last. */
  public static final Comparator<OAuthToken> BY_ID =
      Comparator.comparing(OAuthToken::id, Comparator.nullsLast(ID_ORDER));

  private TokenRules() {}

  /**
   * The one record among {@code matches} (the stored records {@code key} matches), or empty.
   *
   * @throws StoreException {@link ErrorCode#AMBIGUOUS_MATCH} when there are several
   */
  public static Optional<OAuthToken> single(TokenKey key, Collection<OAuthToken> matches) {
    if (matches.isEmpty()) {
      return Optional.empty();
    }
    if (matches.size() == 1) {
      return Optional.of(matches.iterator().next());
    }
    String ids = matches.stream()
        .map(OAuthToken::id)
        .filter(Objects::nonNull)
        .sorted(ID_ORDER)
        .limit(10)
        .collect(Collectors.joining(", "));
    throw new StoreException(
        ErrorCode.AMBIGUOUS_MATCH,
        "The query " + key + " matches " + matches.size() + " stored tokens (ids " + ids + "). "
            + "Add the client id or API domain to the query, or look the token up by id.");
  }

  /**
   * The record a save writes: {@code update}'s non-null fields over {@code stored}'s. The stored id is kept.
   * {@link OAuthToken#issuedAt()} belongs to the expiry it was issued with: an update that sets
   * {@code expiresAt} sets {@code issuedAt} too (to null when it has none, so that a stale issue time never
   * outlives its expiry); an update without an expiry keeps the stored issue time unless it sets one.
   */
  public static OAuthToken merge(OAuthToken stored, OAuthToken update) {
    OAuthToken.Builder b = stored.toBuilder();
    if (update.userName() != null) {
      b.userName(update.userName());
    }
    if (update.clientId() != null) {
      b.clientId(update.clientId());
    }
    if (update.clientSecret() != null) {
      b.clientSecret(update.clientSecret());
    }
    if (update.refreshToken() != null) {
      b.refreshToken(update.refreshToken());
    }
    if (update.accessToken() != null) {
      b.accessToken(update.accessToken());
    }
    if (update.grantToken() != null) {
      b.grantToken(update.grantToken());
    }
    if (update.expiresAt() != null) {
      b.expiresAt(update.expiresAt());
      b.issuedAt(update.issuedAt());
    } else if (update.issuedAt() != null) {
      b.issuedAt(update.issuedAt());
    }
    if (update.redirectUrl() != null) {
      b.redirectUrl(update.redirectUrl());
    }
    if (update.apiDomain() != null) {
      b.apiDomain(update.apiDomain());
    }
    return b.build();
  }

  /**
   * What a save writes, given the stored record the token means (if any): the merge, or the token itself as
   * a new record after checking it has something to store. The result has no id when it is a new record
   * without one; the store assigns it.
   *
   * @throws StoreException {@link ErrorCode#INVALID_ARGUMENT} if {@code token} is not
   *     {@linkplain #requireWellFormed well formed}, or is a new record without a token
   */
  public static OAuthToken planSave(@Nullable OAuthToken stored, OAuthToken token) {
    requireWellFormed(token);
    if (stored != null) {
      return merge(stored, token);
    }
    requireStorable(token);
    return token;
  }

  /**
   * Checks that {@code token} may become a new record.
   *
   * @throws StoreException {@link ErrorCode#INVALID_ARGUMENT} if it has no refresh, grant or access token
   */
  public static void requireStorable(OAuthToken token) {
    if (token.refreshToken() == null && token.grantToken() == null && token.accessToken() == null) {
      throw new StoreException(
          ErrorCode.INVALID_ARGUMENT,
          "A new token record needs a refresh token, a grant token or an access token; " + describe(token)
              + " has none. Set one of them, or save with the id or user name of an existing record.");
    }
  }

  /**
   * Checks that every store can keep {@code token} exactly as given, so that all stores refuse the same tokens
   * (every store calls this before it writes anything; {@link #planSave} does): its expiry, if set, lies
   * between {@link #EARLIEST_EXPIRY} and {@link #LATEST_EXPIRY} inclusive (the range of epoch milliseconds in
   * a signed 64-bit integer, Zoho's {@code expiry_time}), and no string field holds an unpaired UTF-16
   * surrogate (such a string has no UTF-8 form: a file would refuse it, a database would store {@code ?}).
   *
   * @throws StoreException {@link ErrorCode#INVALID_ARGUMENT} naming the field (never its value); nothing is
   *     written
   */
  public static void requireWellFormed(OAuthToken token) {
    requireInRange(token.expiresAt(), "expiry time", token);
    requireInRange(token.issuedAt(), "issue time", token);
    requireUnicode(token.id(), "id", token);
    requireUnicode(token.userName(), "user name", token);
    requireUnicode(token.clientId(), "client id", token);
    requireUnicode(token.clientSecret(), "client secret", token);
    requireUnicode(token.refreshToken(), "refresh token", token);
    requireUnicode(token.accessToken(), "access token", token);
    requireUnicode(token.grantToken(), "grant token", token);
    requireUnicode(token.redirectUrl(), "redirect URL", token);
    requireUnicode(token.apiDomain(), "API domain", token);
  }

  private static void requireInRange(@Nullable Instant t, String what, OAuthToken token) {
    if (t != null && (t.isBefore(EARLIEST_EXPIRY) || t.isAfter(LATEST_EXPIRY))) {
      throw new StoreException(ErrorCode.INVALID_ARGUMENT,
          "The " + what + " of " + describe(token) + " is out of range: a store keeps times from "
              + EARLIEST_EXPIRY + " to " + LATEST_EXPIRY + " (epoch milliseconds in 64 bits). Use a realistic "
              + what + ". Nothing was written.");
    }
  }

  private static void requireUnicode(@Nullable String value, String field, OAuthToken token) {
    if (value == null) {
      return;
    }
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      boolean paired = Character.isHighSurrogate(c) && i + 1 < value.length()
          && Character.isLowSurrogate(value.charAt(i + 1));
      if (paired) {
        i++;
      } else if (Character.isSurrogate(c)) {
        // describe() shows the id and user name: leave them out when they are the malformed field.
        String which = field.equals("id") || field.equals("user name") ? "a token" : describe(token);
        throw new StoreException(ErrorCode.INVALID_ARGUMENT,
            "The " + field + " of " + which + " holds an unpaired UTF-16 surrogate (character " + i + "), which "
                + "no store can keep as given. Pass well-formed Unicode strings. Nothing was written.");
      }
    }
  }

  /**
   * The identity two records may not share: user name, client id and API domain (nulls compared as values),
   * or null for a record without a user name (such records are told apart by their tokens).
   */
  public static @Nullable UniqueKey uniqueKey(OAuthToken token) {
    return token.userName() == null ? null : new UniqueKey(token.userName(), token.clientId(), token.apiDomain());
  }

  /**
   * Fails when {@code written} would duplicate {@code other}, a different stored record with the same
   * {@link #uniqueKey}.
   */
  public static StoreException duplicate(OAuthToken written, OAuthToken other) {
    return new StoreException(
        ErrorCode.DUPLICATE_TOKEN,
        "Token " + (written.id() == null ? "(new)" : "id " + written.id()) + " would have the same user name, "
            + "client id and API domain as stored token id " + other.id() + " (user " + written.userName()
            + ", client " + written.clientId() + ", api domain " + written.apiDomain() + "). "
            + "Save by user name to update that record, or delete one of the two.");
  }

  /** One past the largest numeric id among {@code ids} (non-numeric ids are ignored), at least 1. */
  public static String nextId(Iterable<@Nullable String> ids) {
    BigInteger max = BigInteger.ZERO;
    for (String id : ids) {
      if (id != null && isNumeric(id)) {
        BigInteger v = new BigInteger(id);
        if (v.compareTo(max) > 0) {
          max = v;
        }
      }
    }
    return max.add(BigInteger.ONE).toString();
  }

  /** Whether {@code id} is a plain non-negative decimal number, the form Zoho's SDKs parse. */
  public static boolean isNumeric(String id) {
    if (id.isEmpty() || id.length() > 30) {
      return false;
    }
    for (int i = 0; i < id.length(); i++) {
      char c = id.charAt(i);
      if (c < '0' || c > '9') {
        return false;
      }
    }
    return true;
  }

  /** A description of the token for messages: its id and user, never a secret. */
  public static String describe(OAuthToken token) {
    StringBuilder sb = new StringBuilder("the token");
    if (token.id() != null) {
      sb.append(" id ").append(Secrets.shorten(token.id()));
    }
    if (token.userName() != null) {
      sb.append(" of user ").append(Secrets.shorten(token.userName()));
    }
    return sb.toString();
  }

  private static int compareIds(String a, String b) {
    boolean na = isNumeric(a);
    boolean nb = isNumeric(b);
    if (na && nb) {
      String sa = stripZeros(a);
      String sb = stripZeros(b);
      int c = Integer.compare(sa.length(), sb.length());
      c = c != 0 ? c : sa.compareTo(sb);
      return c != 0 ? c : a.compareTo(b); // "010" and "10": same number, still distinct ids

    }
    if (na != nb) {
      return na ? -1 : 1;
    }
    return a.compareTo(b);
  }

  private static String stripZeros(String s) {
    int i = 0;
    while (i < s.length() - 1 && s.charAt(i) == '0') {
      i++;
    }
    return s.substring(i);
  }

  /** User name, client id and API domain: no two records share all three. */
  public record UniqueKey(String userName, @Nullable String clientId, @Nullable String apiDomain) {
    public UniqueKey {
      Objects.requireNonNull(userName, "userName");
    }
  }

  /** For stores that keep all candidates in a list: the records among {@code all} that {@code key} matches. */
  public static List<OAuthToken> filter(TokenKey key, Collection<OAuthToken> all) {
    return all.stream().filter(key::matches).collect(Collectors.toList());
  }
}
