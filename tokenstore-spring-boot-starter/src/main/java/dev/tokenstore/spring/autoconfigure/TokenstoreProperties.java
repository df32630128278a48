package dev.tokenstore.spring.autoconfigure;

import dev.tokenstore.oauth.Environment;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The {@code tokenstore.*} properties. A mutable JavaBean that Spring Boot binds once at start-up; not
 * thread-safe while it is being bound, read-only afterwards.
 */
@ConfigurationProperties("tokenstore")
public class TokenstoreProperties {
  /**
   * Where tokens are kept: a store URI, e.g. sqlite:/var/lib/app/tokens.db, postgresql://app@db:5432/app,
   * redis://cache:6379/0, file:sdk_tokens.txt or memory:. Unset: sqlite:~/.tokenstore/tokens.db, the store of the
   * tokenstore command (its folder made 0700). Instances of one application that should refresh once between them
   * share one store (a server database or Redis; SQLite or a file for instances on one machine).
   */
  private @Nullable String store;

  /**
   * Encrypts the secrets of every record with this keyring (needs dev.tokenstore:tokenstore-crypto): a keyring
   * file's path (or file:PATH), env:NAME (a variable holding the keyring's text) or pkcs12:PATH (password in
   * TOKENSTORE_KEYSTORE_PASSWORD), as the tokenstore command's --keyring.
   */
  private @Nullable String keyring;

  /** How long before expiry an access token is refreshed at most (never more than half its lifetime). */
  private Duration refreshWindow = Duration.ofMinutes(5);

  /** How long one instance's refresh lease on a token lasts before another instance may take over. */
  private Duration leaseTime = Duration.ofSeconds(60);

  /** Timeout of each request to the authorization server's token endpoint. */
  private Duration requestTimeout = Duration.ofSeconds(30);

  /**
   * How long a token held in memory is handed out before the stored record is read again, so that a record
   * another instance removed (a logout) or replaced (a new sign-in) is honoured within it. This instance's own
   * saves and removes are seen at once. 0 reads the store on every call.
   */
  private Duration recheckStoreAfter = Duration.ofSeconds(1);

  /** Settings per client registration, by registration id (spring.security.oauth2.client.registration.ID). */
  private Map<String, Registration> registration = new LinkedHashMap<>();

  public @Nullable String getStore() {
    return store;
  }

  public void setStore(@Nullable String store) {
    this.store = store;
  }

  public @Nullable String getKeyring() {
    return keyring;
  }

  public void setKeyring(@Nullable String keyring) {
    this.keyring = keyring;
  }

  public Duration getRefreshWindow() {
    return refreshWindow;
  }

  public void setRefreshWindow(Duration refreshWindow) {
    this.refreshWindow = refreshWindow;
  }

  public Duration getLeaseTime() {
    return leaseTime;
  }

  public void setLeaseTime(Duration leaseTime) {
    this.leaseTime = leaseTime;
  }

  public Duration getRequestTimeout() {
    return requestTimeout;
  }

  public void setRequestTimeout(Duration requestTimeout) {
    this.requestTimeout = requestTimeout;
  }

  public Duration getRecheckStoreAfter() {
    return recheckStoreAfter;
  }

  public void setRecheckStoreAfter(Duration recheckStoreAfter) {
    this.recheckStoreAfter = recheckStoreAfter;
  }

  public Map<String, Registration> getRegistration() {
    return registration;
  }

  public void setRegistration(Map<String, Registration> registration) {
    this.registration = registration;
  }

  /** The settings of one registration, defaults when none are given. */
  Registration registration(String registrationId) {
    Registration r = registration.get(registrationId);
    return r != null ? r : new Registration();
  }

  /** The settings of one client registration. Not thread-safe while bound. */
  public static class Registration {
    /** Whether tokenstore serves this registration (keeps and refreshes its tokens). */
    private boolean enabled = true;

    /**
     * The API base URL the tokens are for, part of the stored record's identity. Default: for Zoho's accounts
     * servers the API domain of the data centre and kind, else the token URI's scheme, host, port and path.
     */
    private @Nullable String apiDomain;

    /** For a registration on one of Zoho's accounts servers: the API kind (production, sandbox, developer). */
    private Environment.Kind zohoKind = Environment.Kind.PRODUCTION;

    public boolean isEnabled() {
      return enabled;
    }

    public void setEnabled(boolean enabled) {
      this.enabled = enabled;
    }

    public @Nullable String getApiDomain() {
      return apiDomain;
    }

    public void setApiDomain(@Nullable String apiDomain) {
      this.apiDomain = apiDomain;
    }

    public Environment.Kind getZohoKind() {
      return zohoKind;
    }

    public void setZohoKind(Environment.Kind zohoKind) {
      this.zohoKind = zohoKind;
    }
  }
}
