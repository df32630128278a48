package dev.tokenstore.it;

import dev.tokenstore.OAuthToken;
import dev.tokenstore.TokenStore;
import dev.tokenstore.TokenStores;
import dev.tokenstore.crypto.EncryptedTokenStore;
import dev.tokenstore.crypto.KeyringFile;
import dev.tokenstore.oauth.Environment;
import dev.tokenstore.oauth.RetryPolicy;
import dev.tokenstore.oauth.TokenEvent;
import dev.tokenstore.oauth.TokenManager;
import dev.tokenstore.spi.ForwardingTokenStore;
import dev.tokenstore.testservers.ChildJvms;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One child JVM of {@link CoordinationMultiProcessTest}: a {@link TokenManager} on the shared store, several
 * threads asking for the token by id until they have seen {@code distinct} different access tokens (or the
 * deadline passes). Every token handed out is checked: it must not be expired when handed out, and each new
 * access token is verified once per thread with the emulator's API ({@code users?type=CurrentUser}); a 401 counts
 * as a failure unless the token's expiry had passed by the time the reply came (a token may expire in flight).
 *
 * <p>Args: emulator base URL, store URI, client id, client secret, token id, threads, distinct, lease ms,
 * refresh window ms, results file, deadline s, decorator. Prints {@code READY} ({@link ChildJvms#awaitGo()}, the start
 * barrier), {@code STARTED} (a refresh calls the server), {@code TAKEOVER} (a lease was taken over), {@code FAIL <reason>} and finally
 * {@code DONE ok=<n> verified=<n> failures=<n> distinct=<n>}. Writes the access and refresh tokens it saw to the
 * results file (0600, in the test's temp folder) for the parent to check against the emulator; tokens are never
 * printed. Exit code 0 when there was no failure.
 */
public final class CoordinationChild {
  /**
   * The last argument: {@code forwarding} wraps the store in a counting decorator built on
   * {@link ForwardingTokenStore}, {@code opaque} in one that hides the store's capabilities, {@code none} not at all,
   * {@code keyring:PATH} encrypts it (see {@link #KEYRING}).
   */
  static final String DECORATOR = "decorator";

  /**
   * A decorator argument {@code keyring:PATH} opens the store encrypted ({@code EncryptedTokenStore}) with the keys
   * of the keyring file {@code PATH}, which it reads again whenever the file changes (rotation, retirement).
   */
  static final String KEYRING = "keyring:";

  private CoordinationChild() {}

  /** The store named by {@code uri}, wrapped as {@code decorator} says (see {@link #DECORATOR}). */
  static TokenStore open(String uri, String decorator) {
    if (decorator.startsWith(KEYRING)) {
      return EncryptedTokenStore.open(uri, KeyringFile.at(Path.of(decorator.substring(KEYRING.length()))));
    }
    TokenStore store = TokenStores.open(uri);
    return switch (decorator) {
      case "forwarding" -> new ForwardingTokenStore(store) { // counts operations, as a metrics decorator would
        private final AtomicLong calls = new AtomicLong();

        @Override
        public Optional<OAuthToken> findToken(OAuthToken query) {
          calls.incrementAndGet();
          return super.findToken(query);
        }

        @Override
        public OAuthToken saveToken(OAuthToken token) {
          calls.incrementAndGet();
          return super.saveToken(token);
        }
      };
      case "opaque" -> new ForwardingTokenStore(store) {
        @Override
        public <T> Optional<T> capability(Class<T> type) {
          return type.isInstance(this) ? Optional.of(type.cast(this)) : Optional.empty();
        }
      };
      case "none" -> store;
      default -> throw new IllegalArgumentException(DECORATOR + "=" + decorator);
    };
  }

  public static void main(String[] args) throws Exception {
    String base = args[0];
    String storeUri = args[1];
    String clientId = args[2];
    String clientSecret = args[3];
    String tokenId = args[4];
    int threads = Integer.parseInt(args[5]);
    int distinct = Integer.parseInt(args[6]);
    Duration lease = Duration.ofMillis(Long.parseLong(args[7]));
    Duration window = Duration.ofMillis(Long.parseLong(args[8]));
    Path results = Path.of(args[9]);
    long deadline = System.nanoTime() + Duration.ofSeconds(Long.parseLong(args[10])).toNanos();
    String decorator = args[11];
    PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);

    Set<String> access = ConcurrentHashMap.newKeySet();
    Set<String> refresh = ConcurrentHashMap.newKeySet();
    AtomicLong ok = new AtomicLong();
    AtomicLong verified = new AtomicLong();
    AtomicLong failures = new AtomicLong();
    AtomicBoolean stop = new AtomicBoolean();
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    String usersUrl = base + "/crm/v8/users?type=CurrentUser";

    try (TokenStore store = open(storeUri, decorator)) {
      TokenManager manager = TokenManager.builder()
          .store(store)
          .environment(Environment.zohoAccounts(base, base))
          .refreshWindow(window)
          .leaseTime(lease)
          .requestTimeout(Duration.ofSeconds(120))
          .retryPolicy(new RetryPolicy(3, Duration.ofMillis(10), Duration.ofMillis(50), 0.5))
          .listener(e -> {
            if (e.type() == TokenEvent.Type.REFRESH_STARTED) {
              out.println("STARTED");
            } else if (e.type() == TokenEvent.Type.LEASE_TAKEN_OVER) {
              out.println("TAKEOVER");
            } else if (e.type() == TokenEvent.Type.SAVE_CONFLICT) {
              out.println("SAVE_CONFLICT");
            }
          })
          .build();
      OAuthToken byId = OAuthToken.builder().id(tokenId).clientId(clientId).clientSecret(clientSecret).build();
      ChildJvms.awaitGo();
      ChildJvms.inThreads(threads, worker -> {
        Set<String> mine = new java.util.HashSet<>();
        while (!stop.get() && System.nanoTime() - deadline < 0) {
          try {
            OAuthToken t1 = manager.getToken(byId);
            long handed = System.currentTimeMillis();
            String a = t1.accessToken();
            if (a == null || t1.expiresAt() == null || t1.expiresAt().toEpochMilli() <= handed) {
              failures.incrementAndGet();
              out.println("FAIL an expired or empty token was handed out");
              continue;
            }
            ok.incrementAndGet();
            access.add(a);
            if (t1.refreshToken() != null) {
              refresh.add(t1.refreshToken());
            }
            if (mine.add(a)) {
              HttpResponse<Void> r = http.send(HttpRequest.newBuilder(URI.create(usersUrl))
                  .header("Authorization", "Zoho-oauthtoken " + a).timeout(Duration.ofSeconds(10)).build(),
                  HttpResponse.BodyHandlers.discarding());
              long answered = System.currentTimeMillis();
              if (r.statusCode() == 200) {
                verified.incrementAndGet();
              } else if (answered < t1.expiresAt().toEpochMilli()) {
                failures.incrementAndGet();
                out.println("FAIL the API refused a token the manager handed out: HTTP " + r.statusCode());
              }
            }
            if (access.size() >= distinct) {
              stop.set(true);
            }
            Thread.sleep(10);
          } catch (InterruptedException e) {
            return;
          } catch (Exception e) {
            failures.incrementAndGet();
            out.println("FAIL " + e.getClass().getSimpleName() + ": " + e.getMessage());
            try {
              Thread.sleep(50);
            } catch (InterruptedException ie) {
              return;
            }
          }
        }
      });
    }
    List<String> lines = new ArrayList<>();
    access.forEach(a -> lines.add("A " + a));
    refresh.forEach(r -> lines.add("R " + r));
    Files.createFile(results, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
        java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
    Files.write(results, lines, StandardCharsets.UTF_8);
    if (access.size() < distinct) {
      failures.incrementAndGet();
      out.println("FAIL saw only " + access.size() + " of " + distinct + " access tokens before the deadline");
    }
    out.println("DONE ok=" + ok + " verified=" + verified + " failures=" + failures + " distinct=" + access.size());
    System.exit(failures.get() == 0 ? 0 : 1);
  }
}
