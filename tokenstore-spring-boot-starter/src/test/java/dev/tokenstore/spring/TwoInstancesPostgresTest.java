package dev.tokenstore.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenstore.OAuthToken;
import dev.tokenstore.TokenStore;
import dev.tokenstore.spring.sample.SampleApplication;
import dev.tokenstore.testservers.TestServers;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.security.oauth2.client.OAuth2AuthorizeRequest;
import org.springframework.security.oauth2.client.OAuth2AuthorizedClientManager;

/**
 * Two instances of the sample application (two Spring application contexts, each with its own token managers and
 * connection pool) on one PostgreSQL database (embedded, or TOKENSTORE_TEST_POSTGRES): a user signs in through
 * the first; after expiry 16 requests to the first (over HTTP) and 16 calls in the second (its
 * {@link OAuth2AuthorizedClientManager}) all at once make one refresh between them, and both hand out its token.
 */
class TwoInstancesPostgresTest {
  static final MutableClock CLOCK = new MutableClock();
  static MockAuthorizationServer auth;
  static ConfigurableApplicationContext first;
  static ConfigurableApplicationContext second;

  @Configuration(proxyBeanMethods = false)
  static class TestClock {
    @Bean
    TokenManagerCustomizer testClock() {
      return (id, builder) -> builder.clock(CLOCK);
    }
  }

  @BeforeAll
  static void start() {
    auth = new MockAuthorizationServer();
    String storeUri = TestServers.postgres().storeUri();
    Map<String, Object> props = new HashMap<>(auth.springProperties());
    props.put("tokenstore.store", storeUri);
    props.put("server.port", "0");
    props.put("server.address", "127.0.0.1");
    first = new SpringApplicationBuilder(SampleApplication.class, TestClock.class).properties(props).run();
    second = new SpringApplicationBuilder(SampleApplication.class, TestClock.class).properties(props).run();
  }

  @AfterAll
  static void stop() {
    for (ConfigurableApplicationContext c : new ConfigurableApplicationContext[] {first, second}) {
      if (c != null) {
        c.close();
      }
    }
    if (auth != null) {
      auth.close();
    }
  }

  static String url(ConfigurableApplicationContext c, String path) {
    return "http://127.0.0.1:" + c.getEnvironment().getProperty("local.server.port") + path;
  }

  @Test
  void twoInstancesOnOnePostgresRefreshOnceBetweenThem() throws Exception {
    Browser browser = new Browser();
    HttpResponse<String> signedIn = browser.get(url(first, "/token"));
    assertThat(signedIn.statusCode()).isEqualTo(200);
    TokenStore store = first.getBean(TokenStore.class);
    OAuthToken before = store.findToken(OAuthToken.builder().accessToken(signedIn.body()).build()).orElseThrow();
    String user = before.userName();
    assertThat(second.getBean(TokenStore.class)).isNotSameAs(store);
    OAuth2AuthorizedClientManager secondManager = second.getBean(OAuth2AuthorizedClientManager.class);
    // the second instance hands out the same stored token before expiry, without a refresh
    assertThat(secondManager.authorize(OAuth2AuthorizeRequest.withClientRegistrationId("mock").principal(user)
        .build()).getAccessToken().getTokenValue()).isEqualTo(signedIn.body());
    int refreshesBefore = auth.proxy.refreshes();

    CLOCK.advance(Duration.ofHours(2));
    ExecutorService pool = Executors.newFixedThreadPool(32);
    List<String> tokens = new ArrayList<>();
    try {
      CyclicBarrier go = new CyclicBarrier(32);
      List<Future<String>> futures = new ArrayList<>();
      for (int i = 0; i < 32; i++) {
        boolean viaFirst = i % 2 == 0;
        futures.add(pool.submit(() -> {
          go.await(30, TimeUnit.SECONDS);
          if (viaFirst) {
            HttpResponse<String> r = browser.get(url(first, "/token"));
            assertThat(r.statusCode()).isEqualTo(200);
            return r.body();
          }
          return secondManager.authorize(OAuth2AuthorizeRequest.withClientRegistrationId("mock").principal(user)
              .build()).getAccessToken().getTokenValue();
        }));
      }
      for (Future<String> f : futures) {
        tokens.add(f.get(120, TimeUnit.SECONDS));
      }
    } finally {
      pool.shutdownNow();
    }

    assertThat(auth.proxy.refreshes() - refreshesBefore).as("refresh calls of both instances").isEqualTo(1);
    Set<String> distinct = new HashSet<>(tokens);
    assertThat(distinct).hasSize(1).doesNotContain(signedIn.body());
    OAuthToken after = store.findTokenById(before.id()).orElseThrow();
    assertThat(after.accessToken()).isEqualTo(distinct.iterator().next());
    assertThat(after.refreshToken()).isNotEqualTo(before.refreshToken());
  }
}
