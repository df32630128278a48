package dev.tokenstore.oauth;

import java.util.Locale;
import java.util.Optional;

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
    return "https://" + kind.apiHostPrefix() + ".zohoapis." + apiTld;
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
