package dev.tokenstore.emulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.StringJoiner;

/** A real HTTP client for the tests: HTTP/1.1, no redirects followed, bounded timeouts. Thread-safe. */
final class Http {
  static final ObjectMapper JSON = new ObjectMapper();
  static final HttpClient CLIENT =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .followRedirects(HttpClient.Redirect.NEVER)
          .connectTimeout(Duration.ofSeconds(5))
          .build();

  /** A reply: status, headers and body. */
  record Reply(int status, String body, HttpResponse<String> response) {
    JsonNode json() {
      try {
        return JSON.readTree(body);
      } catch (IOException e) {
        throw new UncheckedIOException("not JSON: " + body, e);
      }
    }

    String text(String field) {
      JsonNode node = json().get(field);
      if (node == null || node.isNull()) {
        throw new AssertionError("no field " + field + " in " + body);
      }
      return node.asText();
    }

    boolean has(String field) {
      return json().has(field);
    }

    String location() {
      return response.headers().firstValue("Location").orElseThrow(() -> new AssertionError("no Location header"));
    }

    /** The query parameters of the Location header. */
    Map<String, String> locationParams() {
      return query(URI.create(location()).getRawQuery());
    }
  }

  private Http() {}

  static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  static Map<String, String> query(String raw) {
    Map<String, String> out = new LinkedHashMap<>();
    for (String pair : raw.split("&")) {
      int eq = pair.indexOf('=');
      out.put(
          URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
          URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
    }
    return out;
  }

  static String form(Map<String, String> params) {
    StringJoiner j = new StringJoiner("&");
    params.forEach(
        (k, v) -> j.add(URLEncoder.encode(k, StandardCharsets.UTF_8) + "=" + URLEncoder.encode(v, StandardCharsets.UTF_8)));
    return j.toString();
  }

  /** Form parameters from alternating names and values. */
  static Map<String, String> params(String... namesAndValues) {
    Map<String, String> out = new LinkedHashMap<>();
    for (int i = 0; i < namesAndValues.length; i += 2) {
      out.put(namesAndValues[i], namesAndValues[i + 1]);
    }
    return out;
  }

  static Reply post(String url, Map<String, String> form) throws IOException, InterruptedException {
    return send(
        HttpRequest.newBuilder(URI.create(url))
            .timeout(Duration.ofSeconds(60)) // generous: a held call must outlast a loaded machine's checks
            .header("Content-Type", "application/x-www-form-urlencoded")
            .POST(HttpRequest.BodyPublishers.ofString(form(form)))
            .build());
  }

  static Reply get(String url, String... headers) throws IOException, InterruptedException {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(60)).GET();
    if (headers.length > 0) {
      b.headers(headers);
    }
    return send(b.build());
  }

  static Reply send(HttpRequest request) throws IOException, InterruptedException {
    HttpResponse<String> r = CLIENT.send(request, HttpResponse.BodyHandlers.ofString());
    return new Reply(r.statusCode(), r.body(), r);
  }

  // ---------------------------------------------------------------------------- protocol shortcuts

  static Reply exchange(AccountsEmulator emu, String clientId, String secret, String redirectUri, String code)
      throws IOException, InterruptedException {
    return post(
        emu.tokenUrl(),
        params(
            "grant_type", "authorization_code",
            "client_id", clientId,
            "client_secret", secret,
            "redirect_uri", redirectUri,
            "code", code));
  }

  static Reply refresh(AccountsEmulator emu, String clientId, String secret, String refreshToken)
      throws IOException, InterruptedException {
    return post(
        emu.tokenUrl(),
        params(
            "grant_type", "refresh_token",
            "client_id", clientId,
            "client_secret", secret,
            "refresh_token", refreshToken));
  }

  static Reply revoke(AccountsEmulator emu, String token) throws IOException, InterruptedException {
    return post(emu.revokeUrl() + "?token=" + URLEncoder.encode(token, StandardCharsets.UTF_8), Map.of());
  }

  static Reply currentUser(AccountsEmulator emu, String accessToken) throws IOException, InterruptedException {
    return get(emu.currentUserUrl(), "Authorization", "Zoho-oauthtoken " + accessToken);
  }

  /** Issues a code directly and exchanges it; returns the successful reply. */
  static Reply tokens(AccountsEmulator emu, String clientId, String secret) throws IOException, InterruptedException {
    String redirect = "http://localhost/cb";
    String code = emu.issueGrantCode(clientId, redirect, "ZohoCRM.modules.ALL");
    Reply r = exchange(emu, clientId, secret, redirect, code);
    if (r.status() != 200 || !r.has("access_token")) {
      throw new AssertionError("exchange failed: " + r.body());
    }
    return r;
  }
}
