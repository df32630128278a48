package dev.tokenstore.spi;

import dev.tokenstore.OAuthToken;
import dev.tokenstore.Secrets;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Which stored record a (partly filled) token means: the matching rules of {@link dev.tokenstore.TokenStore}
 * reduced to a small value. {@link #of(OAuthToken)} is the only place the rules are decided; each store turns
 * the result into its own lookup (a map index, a {@code WHERE} clause, a Redis key) and may use
 * {@link #matches(OAuthToken)} to check a candidate.
 *
 * <p>Immutable and thread-safe.
 */
public sealed interface TokenKey {

  /** The key for {@code query} by the first rule that applies. */
  static TokenKey of(OAuthToken query) {
    Objects.requireNonNull(query, "query");
    if (query.id() != null) {
      return new ById(query.id());
    }
    if (query.userName() != null) {
      return new ByUser(query.userName(), query.clientId(), query.apiDomain());
    }
    if (query.accessToken() != null && query.clientId() == null && query.clientSecret() == null) {
      return new ByAccessToken(query.accessToken());
    }
    if (query.grantToken() != null) {
      return new ByGrantToken(query.grantToken());
    }
    if (query.refreshToken() != null) {
      return new ByRefreshToken(query.refreshToken(), query.clientId());
    }
    return None.INSTANCE;
  }

  /** Whether {@code stored} is a record this key means. */
  boolean matches(OAuthToken stored);

  /** Rule 1: the record with this id. */
  record ById(String id) implements TokenKey {
    public ById {
      Objects.requireNonNull(id, "id");
    }

    @Override
    public boolean matches(OAuthToken stored) {
      return id.equals(stored.id());
    }
  }

  /**
   * Rule 2: the user's record; a non-null client id or API domain must be equal too, a null one matches any
   * value.
   */
  record ByUser(String userName, @Nullable String clientId, @Nullable String apiDomain) implements TokenKey {
    public ByUser {
      Objects.requireNonNull(userName, "userName");
    }

    @Override
    public boolean matches(OAuthToken stored) {
      return userName.equals(stored.userName())
          && (clientId == null || clientId.equals(stored.clientId()))
          && (apiDomain == null || apiDomain.equals(stored.apiDomain()));
    }

    @Override
    public String toString() {
      return "ByUser[userName=" + shorten(userName) + ", clientId=" + shorten(clientId) + ", apiDomain="
          + shorten(apiDomain) + "]";
    }
  }

  /** Rule 3: the record with this access token. */
  record ByAccessToken(String accessToken) implements TokenKey {
    public ByAccessToken {
      Objects.requireNonNull(accessToken, "accessToken");
    }

    @Override
    public boolean matches(OAuthToken stored) {
      return accessToken.equals(stored.accessToken());
    }

    @Override
    public String toString() {
      return "ByAccessToken[" + Secrets.redact(accessToken) + "]";
    }
  }

  /** Rule 4: the record with this grant token. */
  record ByGrantToken(String grantToken) implements TokenKey {
    public ByGrantToken {
      Objects.requireNonNull(grantToken, "grantToken");
    }

    @Override
    public boolean matches(OAuthToken stored) {
      return grantToken.equals(stored.grantToken());
    }

    @Override
    public String toString() {
      return "ByGrantToken[" + Secrets.redact(grantToken) + "]";
    }
  }

  /** Rule 5: the record with this refresh token, and this client id when it is non-null. */
  record ByRefreshToken(String refreshToken, @Nullable String clientId) implements TokenKey {
    public ByRefreshToken {
      Objects.requireNonNull(refreshToken, "refreshToken");
    }

    @Override
    public boolean matches(OAuthToken stored) {
      return refreshToken.equals(stored.refreshToken())
          && (clientId == null || clientId.equals(stored.clientId()));
    }

    @Override
    public String toString() {
      return "ByRefreshToken[" + Secrets.redact(refreshToken) + ", clientId="
          + clientId + "]";
    }
  }

  private static @Nullable String shorten(@Nullable String value) {
    return value == null ? null : Secrets.shorten(value);
  }

  /** Rule 6: the query means no record. */
  final class None implements TokenKey {
    /** The only instance. */
    public static final None INSTANCE = new None();

    private None() {}

    @Override
    public boolean matches(OAuthToken stored) {
      return false;
    }

    @Override
    public String toString() {
      return "None";
    }
  }
}
