package dev.tokenstore.oauth;

import dev.tokenstore.ErrorCode;
import dev.tokenstore.Secrets;
import dev.tokenstore.TokenstoreException;
import dev.tokenstore.spi.StoreUris;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Where tokens come from and where they are used: the authorization server's token, revoke and authorization
 * URLs, the API base the tokens work against, and the protocol dialect.
 *
 * <ul>
 *   <li>{@link #zoho(DataCenter, Kind)}: one of Zoho's data centres, production, sandbox or developer;
 *   <li>{@link #zohoAccounts(String, String)}: any server that speaks Zoho's accounts paths
 *       ({@code /oauth/v2/auth}, {@code /oauth/v2/token}, {@code /oauth/v2/token/revoke}), such as a data centre
 *       not listed in {@link DataCenter} or a local emulator;
 *   <li>{@link #custom(String, String)} / {@link #builder(String)}: any RFC 6749 server; revocation by RFC 7009.
 * </ul>
 *
 * <p>The {@linkplain #name() name} is part of a token's identity inside a {@link TokenManager}. API requests
 * carry {@code Authorization: Zoho-oauthtoken <token>} for Zoho environments and {@code Bearer <token>}
 * otherwise ({@link Builder#authorizationScheme(String)}).
 *
 * <p>Immutable and thread-safe; equality is by value.
 */
public final class Environment {

  /** Which API domain of a Zoho data centre. */
  public enum Kind {
    PRODUCTION("www"),
    SANDBOX("sandbox"),
    DEVELOPER("developer");

    private final String apiHostPrefix;

    Kind(String apiHostPrefix) {
      this.apiHostPrefix = apiHostPrefix;
    }

    String apiHostPrefix() {
      return apiHostPrefix;
    }
  }

  /** The wire dialect of the token and revoke endpoints. */
  public enum Protocol {
    /** Zoho accounts: errors often with HTTP 200, revoke by {@code POST revoke?token=...}. */
    ZOHO,
    /** RFC 6749 token endpoint, RFC 7009 revocation. */
    RFC6749
  }

  /** How the client authenticates at the token and revoke endpoints. */
  public enum ClientAuthentication {
    /** {@code client_id} and {@code client_secret} in the form body (Zoho; RFC 6749 {@code client_secret_post}). */
    FORM,
    /** HTTP Basic with the client id and secret (RFC 6749 {@code client_secret_basic}). */
    BASIC
  }

  static final String ZOHO_AUTH_PATH = "/oauth/v2/auth";
  static final String ZOHO_TOKEN_PATH = "/oauth/v2/token";
  static final String ZOHO_REVOKE_PATH = "/oauth/v2/token/revoke";

  private final String name;
  private final URI tokenUrl;
  private final @Nullable URI revokeUrl;
  private final @Nullable URI authorizationUrl;
  private final String apiDomain;
  private final Protocol protocol;
  private final ClientAuthentication clientAuthentication;
  private final String authorizationScheme;
  private final @Nullable DataCenter dataCenter;
  private final @Nullable Kind kind;
  private final @Nullable String accountsUrl;

  private Environment(Builder b) {
    this.name = requireText(b.name, "name");
    this.tokenUrl = requireHttpUrl(requireText(b.tokenUrl, "token URL"), "token URL");
    this.revokeUrl = b.revokeUrl == null ? null : requireHttpUrl(b.revokeUrl, "revoke URL");
    this.authorizationUrl =
        b.authorizationUrl == null ? null : requireHttpUrl(b.authorizationUrl, "authorization URL");
    this.apiDomain = stripSlash(requireHttpUrl(requireText(b.apiDomain, "API domain"), "API domain").toString());
    this.protocol = b.protocol;
    this.clientAuthentication = b.clientAuthentication;
    this.authorizationScheme = requireText(
        b.authorizationScheme != null ? b.authorizationScheme
            : protocol == Protocol.ZOHO ? "Zoho-oauthtoken" : "Bearer",
        "authorization scheme");
    this.dataCenter = b.dataCenter;
    this.kind = b.kind;
    this.accountsUrl = b.accountsUrl;
  }

  /** One of Zoho's data centres: its accounts server and the API domain of {@code kind}. */
  public static Environment zoho(DataCenter dataCenter, Kind kind) {
    Objects.requireNonNull(dataCenter, "dataCenter");
    Objects.requireNonNull(kind, "kind");
    Builder b = zohoBuilder(
        "zoho-" + dataCenter.name().toLowerCase(Locale.ROOT) + "-" + kind.name().toLowerCase(Locale.ROOT),
        dataCenter.accountsUrl(),
        dataCenter.apiDomain(kind));
    b.dataCenter = dataCenter;
    b.kind = kind;
    return b.build();
  }

  /** Zoho's production API of {@code dataCenter}. */
  public static Environment zoho(DataCenter dataCenter) {
    return zoho(dataCenter, Kind.PRODUCTION);
  }

  /**
   * The Zoho environment whose API domain this is: {@code https://www.zohoapis.eu} is {@link DataCenter#EU}
   * {@link Kind#PRODUCTION}, {@code https://sandbox.zohoapis.com} is {@link DataCenter#US} {@link Kind#SANDBOX},
   * and so on for every {@link DataCenter} and {@link Kind}. Use it to pick the accounts server of a stored token
   * from its {@link dev.tokenstore.OAuthToken#apiDomain()}.
   *
   * <p>Matches {@code https://HOST}, with or without a trailing {@code /} or the port 443, or the bare
   * {@code HOST}, where HOST is one of Zoho's API hosts in any ASCII case. Anything else is empty: another
   * scheme, a path, user info, a query, another port, a trailing dot, non-ASCII look-alike letters, or a host
   * that only starts or ends like one of Zoho's ({@code www.zohoapis.com.example.net}).
   */
  public static Optional<Environment> zohoFromApiDomain(@Nullable String apiDomain) {
    String host = apiDomain == null ? null : DataCenter.apiHostOf(apiDomain);
    if (host != null) {
      for (DataCenter dc : DataCenter.values()) {
        for (Kind k : Kind.values()) {
          if (dc.apiHost(k).equals(host)) {
            return Optional.of(zoho(dc, k));
          }
        }
      }
    }
    return Optional.empty();
  }

  /**
   * Any server with Zoho's accounts paths under {@code accountsUrl} (e.g. {@code http://127.0.0.1:8080} for an
   * emulator, or a data centre not in {@link DataCenter}), with {@code apiDomain} as API base.
   */
  public static Environment zohoAccounts(String accountsUrl, String apiDomain) {
    String base = stripSlash(requireHttpUrl(requireText(accountsUrl, "accounts URL"), "accounts URL").toString());
    return zohoBuilder("zoho@" + URI.create(base).getAuthority(), base, apiDomain).build();
  }

  private static Builder zohoBuilder(String name, String accountsUrl, String apiDomain) {
    Builder b = new Builder(name)
        .tokenUrl(accountsUrl + ZOHO_TOKEN_PATH)
        .revokeUrl(accountsUrl + ZOHO_REVOKE_PATH)
        .authorizationUrl(accountsUrl + ZOHO_AUTH_PATH)
        .apiDomain(apiDomain)
        .protocol(Protocol.ZOHO);
    b.accountsUrl = accountsUrl;
    return b;
  }

  /** An RFC 6749 server with this token URL; the API base is the token URL's origin unless set. */
  public static Environment custom(String name, String tokenUrl) {
    URI u = requireHttpUrl(requireText(tokenUrl, "token URL"), "token URL");
    return builder(name).tokenUrl(tokenUrl).apiDomain(u.getScheme() + "://" + u.getRawAuthority()).build();
  }

  /** A builder for an RFC 6749 server (protocol {@link Protocol#RFC6749}, {@code Bearer} tokens). */
  public static Builder builder(String name) {
    return new Builder(name);
  }

  /** A builder starting from this environment's values. */
  public Builder toBuilder() {
    Builder b = new Builder(name)
        .tokenUrl(tokenUrl.toString())
        .revokeUrl(revokeUrl == null ? null : revokeUrl.toString())
        .authorizationUrl(authorizationUrl == null ? null : authorizationUrl.toString())
        .apiDomain(apiDomain)
        .protocol(protocol)
        .clientAuthentication(clientAuthentication)
        .authorizationScheme(authorizationScheme);
    b.dataCenter = dataCenter;
    b.kind = kind;
    b.accountsUrl = accountsUrl;
    return b;
  }

  /**
   * The environment at which to exchange a grant token whose authorization redirect named
   * {@code accountsServer} (Zoho's {@code accounts-server} parameter, e.g. {@code https://accounts.zoho.eu}).
   *
   * <p>The URL must be {@code https}, or {@code http} to a loopback address (a local emulator), with no user
   * info, query or fragment. For an environment made by {@link #zoho(DataCenter, Kind)} the host must be one
   * of the known accounts hosts of {@link DataCenter}, and the result is that data centre with the same
   * {@link Kind}; anything else is refused, since a redirect can be forged to send the client secret to
   * another host. For an environment made by {@link #zohoAccounts} any such URL is accepted and keeps this API
   * domain until the token reply names one. The value of the API domain in the token reply wins in either case.
   *
   * @throws TokenstoreException {@link ErrorCode#INVALID_ARGUMENT} for a URL that fails these checks, or for an
   *     RFC 6749 environment (the parameter is Zoho's)
   */
  public Environment forAccountsServer(String accountsServer) {
    Objects.requireNonNull(accountsServer, "accountsServer");
    if (protocol != Protocol.ZOHO || accountsUrl == null) {
      throw invalid("The accounts-server parameter is Zoho's multi-data-centre redirect parameter, but environment "
          + name + " is not a Zoho accounts environment. Exchange the code at this environment's token URL.");
    }
    URI u;
    try {
      u = new URI(accountsServer.trim());
    } catch (URISyntaxException e) {
      throw invalid("The accounts-server value '" + show(accountsServer) + "' is not a URL. "
          + "Pass the accounts-server parameter of the authorization redirect unchanged.");
    }
    String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
    String host = u.getHost();
    boolean loopback = host != null && isLoopback(host);
    if (host == null || u.getRawUserInfo() != null || u.getRawQuery() != null || u.getRawFragment() != null
        || !(u.getRawPath() == null || u.getRawPath().isEmpty() || u.getRawPath().equals("/"))) {
      throw invalid("The accounts-server value '" + show(accountsServer) + "' is not a plain "
          + "server URL (scheme://host[:port], no path, user info, query or fragment). Check the redirect.");
    }
    if (!scheme.equals("https") && !(scheme.equals("http") && loopback)) {
      throw invalid("The accounts-server value '" + show(accountsServer) + "' must use https "
          + "(plain http is allowed only to a loopback address). Check the redirect.");
    }
    String base = scheme + "://" + u.getRawAuthority();
    if (dataCenter != null) {
      Optional<DataCenter> dc = DataCenter.ofAccountsHost(host);
      if (dc.isEmpty() || !scheme.equals("https") || (u.getPort() != -1 && u.getPort() != 443)) {
        throw invalid("The accounts-server value '" + show(accountsServer) + "' is not one of "
            + "Zoho's accounts servers, so the code is not exchanged there. For a server not listed in "
            + "DataCenter, use Environment.zohoAccounts(url, apiDomain).");
      }
      return zoho(dc.get(), kind == null ? Kind.PRODUCTION : kind);
    }
    return zohoBuilder("zoho@" + u.getRawAuthority(), base, apiDomain).build();
  }

  /** The name: a short label for messages and metrics, and part of a token's identity. */
  public String name() {
    return name;
  }

  public URI tokenUrl() {
    return tokenUrl;
  }

  /** The revoke endpoint, if the server has one. */
  public Optional<URI> revokeUrl() {
    return Optional.ofNullable(revokeUrl);
  }

  /** The authorization endpoint, if known. */
  public Optional<URI> authorizationUrl() {
    return Optional.ofNullable(authorizationUrl);
  }

  /** The API base, without a trailing slash, e.g. {@code https://www.zohoapis.com}. */
  public String apiDomain() {
    return apiDomain;
  }

  public Protocol protocol() {
    return protocol;
  }

  public ClientAuthentication clientAuthentication() {
    return clientAuthentication;
  }

  /** The scheme of the {@code Authorization} header of API requests: {@code Zoho-oauthtoken} or {@code Bearer}. */
  public String authorizationScheme() {
    return authorizationScheme;
  }

  /** The Zoho data centre, for environments made by {@link #zoho(DataCenter, Kind)}. */
  public Optional<DataCenter> dataCenter() {
    return Optional.ofNullable(dataCenter);
  }

  /** The Zoho API kind, for environments made by {@link #zoho(DataCenter, Kind)}. */
  public Optional<Kind> kind() {
    return Optional.ofNullable(kind);
  }

  @Override
  public boolean equals(@Nullable Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof Environment)) {
      return false;
    }
    Environment e = (Environment) o;
    return name.equals(e.name) && tokenUrl.equals(e.tokenUrl) && Objects.equals(revokeUrl, e.revokeUrl)
        && Objects.equals(authorizationUrl, e.authorizationUrl) && apiDomain.equals(e.apiDomain)
        && protocol == e.protocol && clientAuthentication == e.clientAuthentication
        && authorizationScheme.equals(e.authorizationScheme) && dataCenter == e.dataCenter && kind == e.kind
        && Objects.equals(accountsUrl, e.accountsUrl);
  }

  @Override
  public int hashCode() {
    return Objects.hash(name, tokenUrl, apiDomain, protocol);
  }

  @Override
  public String toString() {
    return "Environment{" + name + ", " + protocol + ", token=" + tokenUrl + ", api=" + apiDomain + "}";
  }

  static boolean isLoopback(String host) {
    String h = host.toLowerCase(Locale.ROOT);
    if (h.startsWith("[") && h.endsWith("]")) {
      h = h.substring(1, h.length() - 1);
    }
    return h.equals("localhost") || h.equals("::1") || h.equals("0:0:0:0:0:0:0:1") || h.matches("127(\\.\\d{1,3}){3}");
  }

  /** A URL for a message: passwords in user info or query masked, at most 64 characters. */
  private static String show(String url) {
    return Secrets.shorten(StoreUris.mask(url));
  }

  private static TokenstoreException invalid(String message) {
    return new TokenstoreException(ErrorCode.INVALID_ARGUMENT, message);
  }

  private static String requireText(@Nullable String value, String what) {
    if (value == null || value.isBlank()) {
      throw invalid("An environment needs " + (what.matches("^[aeiou].*") ? "an " : "a ") + what + ".");
    }
    return value;
  }

  private static URI requireHttpUrl(String value, String what) {
    URI u;
    try {
      u = new URI(value);
    } catch (URISyntaxException e) {
      throw invalid("The " + what + " '" + show(value) + "' is not a URL.");
    }
    String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
    if (!(scheme.equals("https") || scheme.equals("http")) || u.getHost() == null || u.getRawUserInfo() != null) {
      throw invalid("The " + what + " '" + show(value)
          + "' must be an http(s) URL with a host and no user info.");
    }
    return u;
  }

  private static String stripSlash(String s) {
    return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
  }

  /** Builds an {@link Environment}. Not thread-safe. */
  public static final class Builder {
    private final String name;
    private @Nullable String tokenUrl;
    private @Nullable String revokeUrl;
    private @Nullable String authorizationUrl;
    private @Nullable String apiDomain;
    private Protocol protocol = Protocol.RFC6749;
    private ClientAuthentication clientAuthentication = ClientAuthentication.FORM;
    private @Nullable String authorizationScheme;
    private @Nullable DataCenter dataCenter;
    private @Nullable Kind kind;
    private @Nullable String accountsUrl;

    private Builder(String name) {
      this.name = Objects.requireNonNull(name, "name");
    }

    public Builder tokenUrl(String tokenUrl) {
      this.tokenUrl = tokenUrl;
      return this;
    }

    public Builder revokeUrl(@Nullable String revokeUrl) {
      this.revokeUrl = revokeUrl;
      return this;
    }

    public Builder authorizationUrl(@Nullable String authorizationUrl) {
      this.authorizationUrl = authorizationUrl;
      return this;
    }

    public Builder apiDomain(String apiDomain) {
      this.apiDomain = apiDomain;
      return this;
    }

    public Builder protocol(Protocol protocol) {
      this.protocol = Objects.requireNonNull(protocol, "protocol");
      return this;
    }

    public Builder clientAuthentication(ClientAuthentication clientAuthentication) {
      this.clientAuthentication = Objects.requireNonNull(clientAuthentication, "clientAuthentication");
      return this;
    }

    /** The {@code Authorization} scheme of API requests; default {@code Zoho-oauthtoken} (Zoho) or {@code Bearer}. */
    public Builder authorizationScheme(@Nullable String authorizationScheme) {
      this.authorizationScheme = authorizationScheme;
      return this;
    }

    /**
     * @throws TokenstoreException {@link ErrorCode#INVALID_ARGUMENT} when a URL is missing or not http(s)
     */
    public Environment build() {
      return new Environment(this);
    }
  }
}
