package dev.tokenstore.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * What the console's and the portal's plain-HTTP tests use as a browser: one cookie jar (the cookies the service
 * sets, each kept until the service clears it), every {@code Set-Cookie} header as sent, forms posted URL-encoded,
 * redirects not followed (the client given should not follow them). Not thread-safe: one per simulated browser.
 */
class WebClient {
  static final Pattern CSRF = Pattern.compile("name=\"csrf\" value=\"([^\"]+)\"");

  final Map<String, String> cookies = new LinkedHashMap<>();
  final List<String> setCookies = new ArrayList<>();
  private final HttpClient client;
  private final String base;

  /** A browser of {@code client} on the service at {@code base} (its URI without a trailing slash). */
  WebClient(HttpClient client, String base) {
    this.client = client;
    this.base = base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
  }

  HttpResponse<String> get(String path) {
    return send(HttpRequest.newBuilder(URI.create(base + path)).GET());
  }

  HttpResponse<String> post(String path, Map<String, String> form) {
    return send(HttpRequest.newBuilder(URI.create(base + path))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .POST(HttpRequest.BodyPublishers.ofString(form(form))));
  }

  /** Sends {@code b} with the cookies, and keeps the ones the answer sets or clears. */
  HttpResponse<String> send(HttpRequest.Builder b) {
    if (!cookies.isEmpty()) {
      b.header("Cookie", cookies.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
          .collect(Collectors.joining("; ")));
    }
    try {
      HttpResponse<String> r = client.send(b.timeout(Duration.ofSeconds(60)).build(),
          HttpResponse.BodyHandlers.ofString());
      for (String c : r.headers().allValues("Set-Cookie")) {
        setCookies.add(c);
        String[] nv = c.split(";", 2)[0].split("=", 2);
        if (nv[1].isEmpty()) {
          cookies.remove(nv[0]);
        } else {
          cookies.put(nv[0], nv[1]);
        }
      }
      return r;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** The CSRF token of the form on the page {@code path} (which must answer 200). */
  String csrf(String path) {
    HttpResponse<String> page = get(path);
    assertThat(page.statusCode()).as(page.body()).isEqualTo(200);
    Matcher m = CSRF.matcher(page.body());
    assertThat(m.find()).as("a CSRF field on " + path).isTrue();
    return m.group(1);
  }

  /** Posts the console's sign-in form with {@code password}, its CSRF token read first. */
  HttpResponse<String> signIn(String password) {
    return post("/console/login", Map.of("csrf", csrf("/console/login"), "user", "admin", "password", password));
  }

  /** Signs in to the console with the fixture's password; it must succeed. */
  WebClient signIn() {
    HttpResponse<String> r = signIn(ConsoleFixture.PASSWORD);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(303);
    assertThat(r.headers().firstValue("Location")).contains("/console");
    return this;
  }

  static String form(Map<String, String> form) {
    return form.entrySet().stream().map(e -> enc(e.getKey()) + "=" + enc(e.getValue()))
        .collect(Collectors.joining("&"));
  }

  static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }
}
