package dev.tokenstore.spring;

import dev.tokenstore.OAuthToken;
import dev.tokenstore.TokenStore;
import dev.tokenstore.oauth.Environment;
import dev.tokenstore.oauth.TokenManager;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import org.springframework.security.oauth2.client.registration.ClientRegistration;
import org.springframework.security.oauth2.client.registration.ClientRegistrationRepository;

/**
 * One {@link TokenManager} per client registration that tokenstore serves (see {@link RegistrationEnvironments}),
 * all on one {@link TokenStore}, each built once, on first use or by {@link #buildAll()}. A manager is shared by
 * every thread of the application: that is what makes one refresh per expiry in the JVM; the store's refresh
 * lease makes it one across instances.
 *
 * <p>A user's record is found by user name (the principal's name), the registration's client id and the API domain
 * of its environment ({@link #query}).
 *
 * <p>Thread-safe.
 */
public final class RegistrationTokenManagers {
  /** The default of {@link Builder#recheckStoreAfter}: one second. */
  public static final Duration DEFAULT_RECHECK_STORE_AFTER = Duration.ofSeconds(1);

  private static final Log LOG = LogFactory.getLog(RegistrationTokenManagers.class);

  private final TokenStore store;
  private final ClientRegistrationRepository registrations;
  private final Function<ClientRegistration, Optional<Environment>> environments;
  private final List<TokenManagerCustomizer> customizers;
  private final @Nullable Duration recheckStoreAfter;
  private final ConcurrentHashMap<String, Optional<TokenManager>> managers = new ConcurrentHashMap<>();

  private RegistrationTokenManagers(Builder b) {
    this.store = b.store;
    this.registrations = b.registrations;
    this.environments = b.environments;
    this.customizers = List.copyOf(b.customizers);
    this.recheckStoreAfter = b.recheckStoreAfter;
  }

  /**
   * A builder over {@code store} for the registrations of {@code registrations}; by default each registration's
   * environment is {@link RegistrationEnvironments#of} with the token URI (scheme, host, port and path) as API
   * domain and Zoho production.
   */
  public static Builder builder(TokenStore store, ClientRegistrationRepository registrations) {
    return new Builder(store, registrations);
  }

  /** The store every manager uses. */
  public TokenStore store() {
    return store;
  }

  /** The registration with this id, if the repository has it. */
  public Optional<ClientRegistration> registration(String registrationId) {
    return Optional.ofNullable(registrations.findByRegistrationId(registrationId));
  }

  /**
   * The manager of this registration, built on first use; empty when the repository has no such registration or
   * tokenstore does not serve it.
   */
  public Optional<TokenManager> get(String registrationId) {
    Objects.requireNonNull(registrationId, "registrationId");
    Optional<TokenManager> known = managers.get(registrationId);
    if (known != null) {
      return known;
    }
    ClientRegistration r = registrations.findByRegistrationId(registrationId);
    if (r == null) {
      return Optional.empty();
    }
    return managers.computeIfAbsent(registrationId, id -> environments.apply(r).map(env -> build(id, env)));
  }

  private TokenManager build(String registrationId, Environment environment) {
    TokenManager.Builder b = TokenManager.builder().store(store).environment(environment)
        .recheckStoreAfter(recheckStoreAfter);
    for (TokenManagerCustomizer c : customizers) {
      c.customize(registrationId, b);
    }
    return b.build();
  }

  /**
   * Builds the managers of every registration when the repository can list them (Spring Boot's
   * {@code InMemoryClientRegistrationRepository} can); returns the ids of those tokenstore serves.
   */
  public List<String> buildAll() {
    List<String> served = new ArrayList<>();
    if (registrations instanceof Iterable<?> all) {
      for (Object o : all) {
        if (o instanceof ClientRegistration r && get(r.getRegistrationId()).isPresent()) {
          served.add(r.getRegistrationId());
        }
      }
    }
    return List.copyOf(served);
  }

  /** The managers built so far, by registration id. */
  public Map<String, TokenManager> managers() {
    Map<String, TokenManager> out = new TreeMap<>();
    managers.forEach((id, m) -> m.ifPresent(tm -> out.put(id, tm)));
    return out;
  }

  /**
   * Saves the refresh results every manager holds in memory only because the store failed to save them
   * ({@link TokenManager#saveUnsaved()}); never throws: a manager whose store still fails is logged (record ids and
   * error, no secret) and the others are still tried. The auto-configuration calls it when the application context
   * closes, before the store is closed.
   *
   * @return how many results were saved
   */
  public int saveUnsaved() {
    int saved = 0;
    for (Map.Entry<String, TokenManager> e : managers().entrySet()) {
      TokenManager m = e.getValue();
      if (m.unsavedTokenIds().isEmpty()) {
        continue;
      }
      try {
        saved += m.saveUnsaved();
      } catch (RuntimeException ex) {
        LOG.error("tokenstore: the newest tokens of records " + m.unsavedTokenIds() + " of the registration "
            + e.getKey() + " could not be saved and are lost at shutdown: " + ex.getMessage()
            + "; their users may have to sign in again");
      }
    }
    return saved;
  }

  /** The API domain under which the tokens of {@code registration} are kept. */
  public String apiDomain(ClientRegistration registration) {
    Optional<TokenManager> m = get(registration.getRegistrationId());
    return m.isPresent() ? m.get().environment().apiDomain()
        : RegistrationEnvironments.apiDomain(registration, environments.apply(registration));
  }

  /**
   * The query that names the record of {@code principalName} for {@code registration}: user name, client id and
   * API domain, with the client secret (used to refresh when the record has none; never used to find it).
   */
  public OAuthToken query(ClientRegistration registration, String principalName) {
    return OAuthToken.builder()
        .userName(principalName)
        .clientId(registration.getClientId())
        .clientSecret(registration.getClientSecret())
        .apiDomain(apiDomain(registration))
        .build();
  }

  @Override
  public String toString() {
    return "RegistrationTokenManagers{store=" + store + ", managers=" + managers().keySet() + "}";
  }

  /** Builds {@link RegistrationTokenManagers}. Not thread-safe. */
  public static final class Builder {
    private final TokenStore store;
    private final ClientRegistrationRepository registrations;
    private Function<ClientRegistration, Optional<Environment>> environments =
        r -> RegistrationEnvironments.of(r, null, Environment.Kind.PRODUCTION);
    private final List<TokenManagerCustomizer> customizers = new ArrayList<>();
    private @Nullable Duration recheckStoreAfter = DEFAULT_RECHECK_STORE_AFTER;

    private Builder(TokenStore store, ClientRegistrationRepository registrations) {
      this.store = Objects.requireNonNull(store, "store");
      this.registrations = Objects.requireNonNull(registrations, "registrations");
    }

    /** The environment of each registration, empty for those tokenstore does not serve. */
    public Builder environments(Function<ClientRegistration, Optional<Environment>> environments) {
      this.environments = Objects.requireNonNull(environments, "environments");
      return this;
    }

    /**
     * How long each manager hands out a token from memory before it reads the record again (see
     * {@link TokenManager.Builder#recheckStoreAfter}); default {@link #DEFAULT_RECHECK_STORE_AFTER}, null for
     * never before the refresh window. Another instance's logout (a removed record) or new sign-in is seen within
     * it; this instance's own saves and removes through {@link TokenStoreOAuth2AuthorizedClientService} are seen at
     * once. Customizers may override it.
     */
    public Builder recheckStoreAfter(@Nullable Duration recheckStoreAfter) {
      this.recheckStoreAfter = recheckStoreAfter;
      return this;
    }

    /** Adds a customizer, applied in the order added. */
    public Builder customizer(TokenManagerCustomizer customizer) {
      this.customizers.add(Objects.requireNonNull(customizer, "customizer"));
      return this;
    }

    public RegistrationTokenManagers build() {
      return new RegistrationTokenManagers(this);
    }
  }
}
