package dev.tokenstore.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tokenstore.OAuthToken;
import dev.tokenstore.TokenStore;
import dev.tokenstore.TokenStores;
import dev.tokenstore.oauth.Environment;
import dev.tokenstore.oauth.TokenPages;
import dev.tokenstore.spi.ForwardingTokenStore;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The console and the API over 100,000 tokens in a SQLite file: the token list, its search and status filter, the
 * dashboard's counts and {@code GET /api/v1/tokens} each read one page of records (through {@link TokenPages}),
 * never all of them. What is read is counted by a decorator of the store; nothing is timed.
 */
class ConsoleScaleTest {
  private static final int TOKENS = 100_000;
  private static final String PASSWORD = "scale-admin-SECRET-password";
  private static final Pattern ROW_ID = Pattern.compile("<td><a href=\"/console/tokens/([0-9]+)\">");

  @TempDir static Path dir;
  private static Counting store;
  private static TokenServer server;
  private static String readKey;

  private final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER)
      .connectTimeout(Duration.ofSeconds(5)).build();
  private WebClient web;

  /** Counts what the console reads: full reads, pages and the records in them. */
  static final class Counting extends ForwardingTokenStore {
    final AtomicInteger fullReads = new AtomicInteger();
    final AtomicInteger pages = new AtomicInteger();
    final AtomicInteger pageRecords = new AtomicInteger();

    Counting(TokenStore store) {
      super(store);
    }

    @Override
    public List<OAuthToken> getTokens() {
      fullReads.incrementAndGet();
      return super.getTokens();
    }

    /** The paging of the wrapped store (as callers see its records), counting the pages and their records. */
    @Override
    public <T> java.util.Optional<T> capability(Class<T> type) {
      if (type != TokenPages.class) {
        return super.capability(type);
      }
      return super.capability(TokenPages.class).map(pagesOf -> type.cast(new TokenPages() {
        @Override
        public List<OAuthToken> page(Filter filter, @Nullable String after, int limit, Instant now) {
          List<OAuthToken> page = pagesOf.page(filter, after, limit, now);
          pages.incrementAndGet();
          pageRecords.addAndGet(page.size());
          return page;
        }

        @Override
        public java.util.Map<dev.tokenstore.oauth.TokenStatus, Long> countByStatus(Filter filter, Instant now) {
          return pagesOf.countByStatus(filter, now);
        }
      }));
    }

    void reset() {
      fullReads.set(0);
      pages.set(0);
      pageRecords.set(0);
    }
  }

  @BeforeAll
  static void fill() throws Exception {
    Path db = dir.resolve("tokens.db");
    TokenStores.open("sqlite:" + db).close(); // the schema
    long now = System.currentTimeMillis();
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db)) {
      c.setAutoCommit(false);
      try (PreparedStatement ps = c.prepareStatement("INSERT INTO oauthtoken (id, user_name, client_id, "
          + "refresh_token, access_token, expiry_time, api_domain, issued_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) {
        for (int i = 1; i <= TOKENS; i++) {
          // every 1000th token expired an hour ago; the others expire in two hours
          long expiry = i % 1000 == 0 ? now - 3_600_000 : now + 7_200_000;
          ps.setString(1, Integer.toString(i));
          ps.setString(2, "user" + i + "@example.com");
          ps.setString(3, "1000.SCALE");
          ps.setString(4, "1000.refresh-SECRET-" + i);
          ps.setString(5, "1000.access-SECRET-" + i);
          ps.setString(6, Long.toString(expiry));
          ps.setString(7, "https://www.zohoapis.com");
          ps.setLong(8, expiry - 3_600_000);
          ps.addBatch();
          if (i % 10_000 == 0) {
            ps.executeBatch();
          }
        }
      }
      c.commit();
    }
    Files.writeString(dir.resolve("admin-password"), PASSWORD + "\n");
    store = new Counting(TokenStores.open("sqlite:" + db));
    server = TokenServer.builder(store).port(0).accessLog(false).shutdownGrace(Duration.ofSeconds(2))
        .environment(Environment.zohoAccounts("http://127.0.0.1:9", "https://www.zohoapis.com"))
        .console(dir.resolve("admin-password")).build().start();
    readKey = server.apiKeys().create("reader", ApiScope.READ).key();
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
    if (store != null) {
      store.close();
    }
  }

  @BeforeEach
  void signIn() {
    web = new WebClient(http, server.uri().toString());
    HttpResponse<String> r = web.signIn(PASSWORD);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(303);
    store.reset();
  }

  @Test
  void theTokenListReadsOnePageAtAnyDepth() {
    HttpResponse<String> first = get("/console/tokens");
    assertThat(first.statusCode()).isEqualTo(200);
    assertThat(ids(first.body())).hasSize(50).first().isEqualTo("1");
    assertThat(first.body()).contains("100000 matching tokens; page 1 of 2000.").doesNotContain("SECRET");
    assertRead(1);

    String next = href(first.body(), "next");
    HttpResponse<String> second = get(next);
    assertThat(ids(second.body())).hasSize(50).first().isEqualTo("51");
    assertThat(second.body()).contains("page 2 of 2000.");
    assertRead(2);

    HttpResponse<String> last = get("/console/tokens?q=&status=&after=99950&page=2000");
    assertThat(ids(last.body())).hasSize(50).first().isEqualTo("99951");
    assertThat(ids(last.body())).last().isEqualTo("100000");
    assertThat(last.body()).contains("page 2000 of 2000.").doesNotContain("id=\"next\"");
    assertRead(3);
  }

  @Test
  void searchAndStatusFilterReadOnePage() {
    HttpResponse<String> expired = get("/console/tokens?status=expired");
    assertThat(ids(expired.body())).hasSize(50).first().isEqualTo("1000");
    assertThat(expired.body()).contains("100 matching tokens; page 1 of 2.");
    assertRead(1);

    HttpResponse<String> search = get("/console/tokens?q=USER9999");
    assertThat(ids(search.body())).containsExactly("9999", "99990", "99991", "99992", "99993", "99994", "99995",
        "99996", "99997", "99998", "99999");
    assertThat(search.body()).contains("11 matching tokens; page 1 of 1.");
    assertRead(2);
  }

  @Test
  void theDashboardCountsWithoutReadingTheRecords() {
    HttpResponse<String> dash = get("/console");
    assertThat(dash.body()).contains("<p id=\"total\">100000 stored tokens.</p>")
        .contains("id=\"count-valid\">99900<").contains("id=\"count-expired\">100<");
    assertThat(store.fullReads).hasValue(0);
    assertThat(store.pageRecords).hasValue(0);
  }

  @Test
  void theApiListReadsOnePage() {
    Http api = new Http(server.uri());
    JsonNode page = api.get("/api/v1/tokens?limit=2&after=99998", readKey).json();
    assertThat(page.get("items")).extracting(n -> n.get("id").asText()).containsExactly("99999", "100000");
    assertThat(page.get("next_after").isNull()).isTrue();
    JsonNode expired = api.get("/api/v1/tokens?limit=3&status=expired&after=5000", readKey).json();
    assertThat(expired.get("items")).extracting(n -> n.get("id").asText()).containsExactly("6000", "7000", "8000");
    assertThat(expired.get("next_after").asText()).isEqualTo("8000");
    assertThat(store.fullReads).hasValue(0);
    assertThat(store.pages).hasValue(2);
    assertThat(store.pageRecords).as("2 + 1 asked, 2 read; 3 + 1 asked, 4 read").hasValue(2 + 4);
  }

  /** After {@code requests} list pages: no full read, one page of 51 records (50 and one more) each. */
  private void assertRead(int requests) {
    assertThat(store.fullReads).as("reads of every record").hasValue(0);
    assertThat(store.pages).as("pages read").hasValue(requests);
    assertThat(store.pageRecords.get()).as("records read").isLessThanOrEqualTo(51 * requests);
  }

  private static List<String> ids(String body) {
    List<String> out = new ArrayList<>();
    Matcher m = ROW_ID.matcher(body);
    while (m.find()) {
      out.add(m.group(1));
    }
    return out;
  }

  private static String href(String body, String id) {
    Matcher m = Pattern.compile("<a href=\"([^\"]+)\" rel=\"[a-z]+\" id=\"" + id + "\">").matcher(body);
    assertThat(m.find()).as("a link " + id).isTrue();
    return m.group(1).replace("&amp;", "&");
  }

  private HttpResponse<String> get(String path) {
    return web.get(path);
  }


}
