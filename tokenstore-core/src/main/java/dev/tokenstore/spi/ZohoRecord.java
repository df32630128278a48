package dev.tokenstore.spi;

import dev.tokenstore.OAuthToken;
import java.math.BigDecimal;
import java.time.DateTimeException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalLong;
import org.jspecify.annotations.Nullable;

/**
 * Zoho's stored record as ten strings, in Zoho's column order ({@link #COLUMNS}): the one home of that layout
 * for every store that writes it (file, SQL, Redis). {@code null} for an unset field; {@code expiry_time} as
 * epoch milliseconds. Stateless and thread-safe.
 */
public final class ZohoRecord {

  /** Zoho's ten columns, in order, with the Java SDK's names. */
  public static final List<String> COLUMNS = List.of(
      "id", "user_name", "client_id", "client_secret", "refresh_token", "access_token", "grant_token",
      "expiry_time", "redirect_url", "api_domain");

  /** Index of {@code expiry_time} in {@link #COLUMNS}. */
  public static final int EXPIRY_TIME = 7;

  private ZohoRecord() {}

  /** The token's ten values in Zoho's order; {@code null} where a field is unset. */
  public static List<@Nullable String> toValues(OAuthToken t) {
    return Arrays.asList(
        t.id(), t.userName(), t.clientId(), t.clientSecret(), t.refreshToken(), t.accessToken(), t.grantToken(),
        formatExpiry(t.expiresAt()), t.redirectUrl(), t.apiDomain());
  }

  /**
   * The token that Zoho's values describe: nine (an old record without {@code api_domain}) or ten values in
   * Zoho's order, empty strings read as {@code null}.
   *
   * @throws IllegalArgumentException when there are not nine or ten values, or {@code expiry_time} is not a
   *     time in epoch milliseconds; the message never contains the value, so callers can add where it came from
   */
  public static OAuthToken fromValues(List<@Nullable String> v) {
    if (v.size() != 9 && v.size() != 10) {
      throw new IllegalArgumentException("a Zoho token record has 9 or 10 values, not " + v.size());
    }
    return OAuthToken.builder()
        .id(v.get(0))
        .userName(v.get(1))
        .clientId(v.get(2))
        .clientSecret(v.get(3))
        .refreshToken(v.get(4))
        .accessToken(v.get(5))
        .grantToken(v.get(6))
        .expiresAt(parseExpiry(v.get(EXPIRY_TIME)))
        .redirectUrl(v.get(8))
        .apiDomain(v.size() > 9 ? v.get(9) : null)
        .build();
  }

  /** A mutable list of ten nulls, to fill by column index. */
  public static List<@Nullable String> emptyValues() {
    return new ArrayList<>(Arrays.asList(new String[COLUMNS.size()]));
  }

  /** {@code expiry_time} as Zoho stores it: epoch milliseconds, or {@code null}. */
  public static @Nullable String formatExpiry(@Nullable Instant expiry) {
    return expiry == null ? null : Long.toString(expiry.toEpochMilli());
  }

  /**
   * Reads Zoho's {@code expiry_time}: whole epoch milliseconds; a decimal form ({@code "1712345678901.0"}) is
   * read too. Empty or blank is {@code null}.
   *
   * @throws IllegalArgumentException otherwise (the message does not contain the value)
   */
  public static @Nullable Instant parseExpiry(@Nullable String value) {
    if (value == null || value.isBlank()) {
      return null;
    }
    try {
      // Decimals: "1e99999999" parses at once but would take minutes to round with setScale.
      OptionalLong ms = Decimals.truncatedLong(new BigDecimal(value.strip()));
      if (ms.isPresent()) {
        return Instant.ofEpochMilli(ms.getAsLong());
      }
    } catch (NumberFormatException | DateTimeException e) {
      // below
    }
    throw new IllegalArgumentException("expiry_time is not a time in epoch milliseconds");
  }
}
