package dev.tokenstore.server;

import dev.tokenstore.OAuthToken;
import dev.tokenstore.TokenStore;
import dev.tokenstore.TokenStores;
import dev.tokenstore.emulator.AccountsEmulator;
import dev.tokenstore.emulator.IssuedTokens;
import dev.tokenstore.oauth.Environment;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;

/**
 * A service with the console and the portal on loopback, over a memory store seeded with tokens issued by the
 * accounts emulator (so refresh and revoke are real calls): 60 students with valid tokens, 3 idle ones (expired
 * 3 days ago) and one that needs re-authorization.
 */
final class ConsoleFixture implements AutoCloseable {
  static final String CLIENT_ID = "1000.CONSOLE";
  static final String CLIENT_SECRET = "console-client-SECRET-value";
  static final String PASSWORD = "console-admin-SECRET-password";
  static final String ADA = "ada@example.com";
  static final String STUDENT = "student@zylker.example";

  final AccountsEmulator zoho;
  final TokenStore store;
  final TokenServer server;
  final Path passwordFile;

  ConsoleFixture(Path dir) {
    this(dir, java.time.Clock.systemUTC());
  }

  /** With {@code clock} for the service's decisions (sessions, throttling, statuses). */
  ConsoleFixture(Path dir, java.time.Clock clock) {
    this(dir, clock, "127.0.0.1");
  }

  /**
   * Listening on {@code host} (e.g. {@code localhost}: then the browser sees the service and the accounts emulator,
   * at 127.0.0.1, as two sites, as it sees a school's portal and Zoho).
   */
  ConsoleFixture(Path dir, java.time.Clock clock, String host) {
    this(dir, clock, host, null);
  }

  /** With the portal sending users to {@code authorizationUrl} (null: the emulator's), e.g. a consent page. */
  ConsoleFixture(Path dir, java.time.Clock clock, String host, @org.jspecify.annotations.Nullable String authorizationUrl) {
    zoho = AccountsEmulator.builder().user(STUDENT).tokenSuffix("-SECRET").registerClient(CLIENT_ID, CLIENT_SECRET)
        .start();
    store = TokenStores.open("memory:");
    passwordFile = dir.resolve("admin-password");
    try {
      Files.writeString(passwordFile, PASSWORD + "\n");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Environment env = Environment.zohoAccounts(zoho.baseUrl(), zoho.apiDomain());
    server = TokenServer.builder(store)
        .host(host)
        .port(0)
        .clock(clock)
        .environment(env)
        .defaultClient(CLIENT_ID, CLIENT_SECRET)
        .accessLog(false)
        .shutdownGrace(Duration.ofSeconds(5))
        .console(passwordFile)
        .portal(authorizationUrl == null ? env : env.toBuilder().authorizationUrl(authorizationUrl).build(), CLIENT_ID, CLIENT_SECRET, "ZohoCRM.modules.ALL", null, Duration.ofMinutes(30))
        .build()
        .start();
  }

  /** Seeds the store: ada, 59 more students, 3 idle tokens and 1 needing re-authorization. */
  ConsoleFixture seed() {
    Instant now = Instant.now();
    token(ADA, now.plus(Duration.ofHours(1)));
    for (int i = 1; i < 60; i++) {
      token(String.format(Locale.ROOT, "student%02d@zylker.example", i), now.plus(Duration.ofMinutes(30 + i)));
    }
    for (int i = 1; i <= 3; i++) {
      token("idle" + i + "@zylker.example", now.minus(Duration.ofDays(3)));
    }
    store.saveToken(OAuthToken.builder().userName("lapsed@zylker.example").clientId(CLIENT_ID)
        .accessToken("1000.lapsed-access-SECRET").expiresAt(now.minus(Duration.ofHours(2)))
        .apiDomain(zoho.apiDomain()).build());
    return this;
  }

  OAuthToken token(String user, Instant expiry) {
    IssuedTokens issued = zoho.issueTokens(CLIENT_ID, "ZohoCRM.modules.ALL", user);
    return store.saveToken(OAuthToken.builder().userName(user).clientId(CLIENT_ID).clientSecret(CLIENT_SECRET)
        .refreshToken(issued.refreshToken()).accessToken(issued.accessToken()).expiresAt(expiry)
        .apiDomain(zoho.apiDomain()).build());
  }

  OAuthToken byUser(String user) {
    return store.findToken(OAuthToken.builder().userName(user).build()).orElseThrow();
  }

  String url(String path) {
    return server.uri() + path;
  }

  @Override
  public void close() {
    server.close();
    store.close();
    zoho.close();
  }
}
