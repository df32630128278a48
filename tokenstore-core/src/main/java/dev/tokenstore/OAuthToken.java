package dev.tokenstore;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One stored OAuth 2.0 token record: the ten fields of Zoho's token persistence, in Zoho's column order
 * ({@code id, user_name, client_id, client_secret, refresh_token, access_token, grant_token, expiry_time,
 * redirect_url, api_domain}).
 *
 * <p>Every field may be {@code null}; an empty string is read as {@code null}, as Zoho's stores do. A token
 * is also used as a <em>query</em>: a partly filled token names the stored record it means by the rules of
 * {@link TokenStore#findToken(OAuthToken)}.
 *
 * <p>{@link #toString()} never shows a secret (client secret, refresh, access and grant token): each appears
 * as {@code <redacted:xxxxxx>}, a short fingerprint (six hex digits of SHA-256) that tells two values apart
 * without revealing either.
 *
 * <p>Besides Zoho's ten fields a token may carry {@link #issuedAt()}, when its access token was issued. It is not
 * one of Zoho's columns: stores keep it beside them (an extra column, hash field or sidecar file) so that Zoho's
 * SDKs read the records as before, and a record written by another program simply has none. A token manager
 * uses it to know the access token's lifetime ({@code expiresAt - issuedAt}).
 *
 * <p>Instances are immutable and thread-safe. Equality is by value over all eleven fields (Zoho's ten and
 * {@link #issuedAt()}); {@link #expiresAt()} and {@link #issuedAt()} have millisecond precision, as stored.
 */
public final class OAuthToken {

  private final @Nullable String id;
  private final @Nullable String userName;
  private final @Nullable String clientId;
  private final @Nullable String clientSecret;
  private final @Nullable String refreshToken;
  private final @Nullable String accessToken;
  private final @Nullable String grantToken;
  private final @Nullable Instant expiresAt;
  private final @Nullable String redirectUrl;
  private final @Nullable String apiDomain;
  private final @Nullable Instant issuedAt;

  private OAuthToken(Builder b) {
    this.id = b.id;
    this.userName = b.userName;
    this.clientId = b.clientId;
    this.clientSecret = b.clientSecret;
    this.refreshToken = b.refreshToken;
    this.accessToken = b.accessToken;
    this.grantToken = b.grantToken;
    this.expiresAt = b.expiresAt;
    this.redirectUrl = b.redirectUrl;
    this.apiDomain = b.apiDomain;
    this.issuedAt = b.issuedAt;
  }

  /** A builder with every field unset. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder that starts from this token's values. */
  public Builder toBuilder() {
    return new Builder(this);
  }

  /** The record's id: a numeric string for records this library creates ({@code "1"}, {@code "2"}, ...). */
  public @Nullable String id() {
    return id;
  }

  /** The user's name, in Zoho the user's e-mail address. */
  public @Nullable String userName() {
    return userName;
  }

  /** The OAuth client id. */
  public @Nullable String clientId() {
    return clientId;
  }

  /** The OAuth client secret. A secret: never logged or printed by this library. */
  public @Nullable String clientSecret() {
    return clientSecret;
  }

  /** The refresh token. A secret. */
  public @Nullable String refreshToken() {
    return refreshToken;
  }

  /** The access token. A secret. */
  public @Nullable String accessToken() {
    return accessToken;
  }

  /** The grant token (authorization code). A secret. */
  public @Nullable String grantToken() {
    return grantToken;
  }

  /** When the access token expires (Zoho's {@code expiry_time}), with millisecond precision. */
  public @Nullable Instant expiresAt() {
    return expiresAt;
  }

  /** The redirect URL the grant token was issued for. */
  public @Nullable String redirectUrl() {
    return redirectUrl;
  }

  /** The API domain the token works against, e.g. {@code https://www.zohoapis.com}. */
  public @Nullable String apiDomain() {
    return apiDomain;
  }

  /**
   * When the access token was issued (the token manager sets it from the token endpoint's reply: the time of
   * the request), with millisecond precision; null when unknown (e.g. a record written by Zoho's SDKs). Not one
   * of Zoho's ten fields. Together with {@link #expiresAt()} it gives the access token's lifetime, which a token
   * manager uses to refresh short-lived tokens no earlier than halfway through their life.
   */
  public @Nullable Instant issuedAt() {
    return issuedAt;
  }

  /**
   * Whether the access token is missing or expires before {@code now.plus(margin)}. A token without an
   * expiry time counts as expired when it has no access token and as valid otherwise.
   */
  public boolean isExpired(Instant now, java.time.Duration margin) {
    if (accessToken == null) {
      return true;
    }
    return expiresAt != null && !expiresAt.isAfter(now.plus(margin));
  }

  @Override
  public boolean equals(@Nullable Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof OAuthToken)) {
      return false;
    }
    OAuthToken t = (OAuthToken) o;
    return Objects.equals(id, t.id)
        && Objects.equals(userName, t.userName)
        && Objects.equals(clientId, t.clientId)
        && Objects.equals(clientSecret, t.clientSecret)
        && Objects.equals(refreshToken, t.refreshToken)
        && Objects.equals(accessToken, t.accessToken)
        && Objects.equals(grantToken, t.grantToken)
        && Objects.equals(expiresAt, t.expiresAt)
        && Objects.equals(redirectUrl, t.redirectUrl)
        && Objects.equals(apiDomain, t.apiDomain)
        && Objects.equals(issuedAt, t.issuedAt);
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        id, userName, clientId, clientSecret, refreshToken, accessToken, grantToken, expiresAt, redirectUrl,
        apiDomain, issuedAt);
  }

  /** A description with every secret replaced by {@code <redacted:fingerprint>}; unset fields are left out. */
  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("OAuthToken{");
    int start = sb.length();
    plain(sb, "id", id);
    plain(sb, "userName", userName);
    plain(sb, "clientId", clientId);
    secret(sb, "clientSecret", clientSecret);
    secret(sb, "refreshToken", refreshToken);
    secret(sb, "accessToken", accessToken);
    secret(sb, "grantToken", grantToken);
    plain(sb, "expiresAt", expiresAt == null ? null : expiresAt.toString());
    plain(sb, "redirectUrl", redirectUrl);
    plain(sb, "apiDomain", apiDomain);
    plain(sb, "issuedAt", issuedAt == null ? null : issuedAt.toString());
    if (sb.length() > start) {
      sb.setLength(sb.length() - 2);
    }
    return sb.append('}').toString();
  }

  private static void plain(StringBuilder sb, String name, @Nullable String value) {
    if (value != null) {
      sb.append(name).append('=').append(value).append(", ");
    }
  }

  private static void secret(StringBuilder sb, String name, @Nullable String value) {
    if (value != null) {
      sb.append(name).append('=').append(Secrets.redact(value)).append(", ");
    }
  }

  /**
   * Builds an {@link OAuthToken}. Each setter takes the field of the same name; an empty string means
   * {@code null}. Not thread-safe: use a builder from one thread, then share the built token.
   */
  public static final class Builder {
    private @Nullable String id;
    private @Nullable String userName;
    private @Nullable String clientId;
    private @Nullable String clientSecret;
    private @Nullable String refreshToken;
    private @Nullable String accessToken;
    private @Nullable String grantToken;
    private @Nullable Instant expiresAt;
    private @Nullable String redirectUrl;
    private @Nullable String apiDomain;
    private @Nullable Instant issuedAt;

    private Builder() {}

    private Builder(OAuthToken t) {
      this.id = t.id;
      this.userName = t.userName;
      this.clientId = t.clientId;
      this.clientSecret = t.clientSecret;
      this.refreshToken = t.refreshToken;
      this.accessToken = t.accessToken;
      this.grantToken = t.grantToken;
      this.expiresAt = t.expiresAt;
      this.redirectUrl = t.redirectUrl;
      this.apiDomain = t.apiDomain;
      this.issuedAt = t.issuedAt;
    }

    public Builder id(@Nullable String id) {
      this.id = norm(id);
      return this;
    }

    public Builder userName(@Nullable String userName) {
      this.userName = norm(userName);
      return this;
    }

    public Builder clientId(@Nullable String clientId) {
      this.clientId = norm(clientId);
      return this;
    }

    public Builder clientSecret(@Nullable String clientSecret) {
      this.clientSecret = norm(clientSecret);
      return this;
    }

    public Builder refreshToken(@Nullable String refreshToken) {
      this.refreshToken = norm(refreshToken);
      return this;
    }

    public Builder accessToken(@Nullable String accessToken) {
      this.accessToken = norm(accessToken);
      return this;
    }

    public Builder grantToken(@Nullable String grantToken) {
      this.grantToken = norm(grantToken);
      return this;
    }

    /** The access token's expiry; truncated to milliseconds, the precision every store keeps. */
    public Builder expiresAt(@Nullable Instant expiresAt) {
      this.expiresAt = expiresAt == null ? null : expiresAt.truncatedTo(ChronoUnit.MILLIS);
      return this;
    }

    public Builder redirectUrl(@Nullable String redirectUrl) {
      this.redirectUrl = norm(redirectUrl);
      return this;
    }

    public Builder apiDomain(@Nullable String apiDomain) {
      this.apiDomain = norm(apiDomain);
      return this;
    }

    /**
     * When the access token was issued ({@link OAuthToken#issuedAt()}); truncated to milliseconds, the precision
     * every store keeps.
     */
    public Builder issuedAt(@Nullable Instant issuedAt) {
      this.issuedAt = issuedAt == null ? null : issuedAt.truncatedTo(ChronoUnit.MILLIS);
      return this;
    }

    public OAuthToken build() {
      return new OAuthToken(this);
    }

    private static @Nullable String norm(@Nullable String s) {
      return s == null || s.isEmpty() ? null : s;
    }
  }
}
