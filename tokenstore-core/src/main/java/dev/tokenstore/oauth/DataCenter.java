package dev.tokenstore.oauth;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Zoho's data centres: each has its own accounts server and API domains, and tokens of one do not work in
 * another. For a data centre not listed here (or a local emulator) use
 * {@link Environment#zohoAccounts(String, String)}. Immutable and thread-safe.
 */
public enum DataCenter {
  US("accounts.zoho.com", "com"),
  EU("accounts.zoho.eu", "eu"),
  IN("accounts.zoho.in", "in"),
  CN("accounts.zoho.com.cn", "com.cn"),
  AU("accounts.zoho.com.au", "com.au"),
  JP("accounts.zoho.jp", "jp"),
  CA("accounts.zohocloud.ca", "ca"),
  SA("accounts.zoho.sa", "sa");

  private final String accountsHost;
  private final String apiTld;

  DataCenter(String accountsHost, String apiTld) {
    this.accountsHost = accountsHost;
    this.apiTld = apiTld;
  }

  /** The accounts server's host, e.g. {@code accounts.zoho.eu}. */
  public String accountsHost() {
    return accountsHost;
  }

  /** The accounts server's URL, e.g. {@code https://accounts.zoho.eu}. */
  public String accountsUrl() {
    return "https://" + accountsHost;
  }

  /** The API domain of this data centre for {@code kind}, e.g. {@code https://sandbox.zohoapis.eu}. */
  public String apiDomain(Environment.Kind kind) {
    return "https://" + apiHost(kind);
  }

  /** The API host of this data centre for {@code kind}, e.g. {@code sandbox.zohoapis.eu}. */
  String apiHost(Environment.Kind kind) {
    return kind.apiHostPrefix() + ".zohoapis." + apiTld;
  }

  /**
   * The data centre whose API domain (production, sandbox or developer) this is, e.g. {@link #EU} for
   * {@code https://www.zohoapis.eu}: what a stored token's {@link dev.tokenstore.OAuthToken#apiDomain()} says
   * about where it was issued. {@link Environment#zohoFromApiDomain(String)} gives the {@link Environment.Kind}
   * too. See there for the forms that match; anything else, such as a look-alike host, is empty.
   */
  public static Optional<DataCenter> fromApiDomain(@Nullable String apiDomain) {
    return Environment.zohoFromApiDomain(apiDomain).flatMap(Environment::dataCenter);
  }

  /**
   * The lower-case host of {@code apiDomain} when it is {@code https://HOST}, {@code https://HOST/},
   * {@code https://HOST:443} or a bare {@code HOST} of ASCII letters, digits, dots and hyphens; else null.
   */
  static @Nullable String apiHostOf(String apiDomain) {
    String url = apiDomain.contains("://") ? apiDomain : "https://" + apiDomain;
    URI u;
    try {
      u = new URI(url);
    } catch (URISyntaxException e) {
      return null;
    }
    String host = u.getHost();
    String path = u.getRawPath();
    if (!"https".equalsIgnoreCase(u.getScheme()) || host == null || !host.matches("[A-Za-z0-9.-]+")
        || u.getRawUserInfo() != null || u.getRawQuery() != null || u.getRawFragment() != null
        || (u.getPort() != -1 && u.getPort() != 443) || !(path == null || path.isEmpty() || path.equals("/"))) {
      return null;
    }
    return host.toLowerCase(Locale.ROOT);
  }

  /** The data centre whose accounts server has this host (case-insensitive), if any. */
  public static Optional<DataCenter> ofAccountsHost(String host) {
    String h = host.toLowerCase(Locale.ROOT);
    for (DataCenter dc : values()) {
      if (dc.accountsHost.equals(h)) {
        return Optional.of(dc);
      }
    }
    return Optional.empty();
  }
}
