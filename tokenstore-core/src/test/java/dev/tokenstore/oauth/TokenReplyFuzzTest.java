package dev.tokenstore.oauth;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.tokenstore.ErrorCode;
import dev.tokenstore.Secrets;
import java.net.Authenticator;
import java.net.CookieHandler;
import java.net.ProxySelector;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Base64;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSession;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzzes how {@link TokenEndpointClient} turns a token endpoint's HTTP reply into a token reply: for a refresh at a
 * Zoho environment (client secret in the form) and an exchange with PKCE at an RFC 6749 environment (HTTP Basic
 * client authentication), every reply gives either a valid {@link TokenEndpointClient.TokenReply} (non-blank
 * printable-ASCII tokens without surrounding spaces, {@code expires_in} from 1 s to
 * {@link TokenEndpointClient#MAX_LIFETIME}, an http(s) {@code api_domain}) or an {@link OAuthException} with a server
 * reply's code, never another exception, and no message or server error value holds 8 characters in a row of a
 * secret that was sent (as is or URL-encoded, in any case), however the reply quotes it.
 *
 * <p>The input is an HTTP reply: an optional head {@code "<status>\n[Name: value\n]...\n"} (a three-digit status,
 * headers such as {@code Retry-After}, an empty line), then the body; without a head it is the body of an HTTP 200.
 * Seeds: {@code src/test/resources/dev/tokenstore/oauth/TokenReplyFuzzTestInputs/reply/} (Zoho's replies with
 * {@code expires_in_sec}, RFC 6749's, error replies that echo the request, and inputs that once failed).
 */
class TokenReplyFuzzTest {
  static final String CLIENT_ID = "1000.FUZZCLIENT7Q2W";
  static final String CLIENT_SECRET = "cs+Fz9/kQ3x=Lm2Vb7Np";
  static final String REFRESH_TOKEN = "1000.4b7e1d9a2c3f5e6d.8a9b0c1d2e3f4a5b";
  static final String GRANT_CODE = "1000.9e8d7c6b5a4f3e2d.1c0b9a8f7e6d5c4b";
  static final String CODE_VERIFIER = "pkce~Verifier_0123456789-abcdefghijklmnopqrstuvwxyz";
  static final String REDIRECT = "https://app.example.com/cb";

  private static final Environment ZOHO = Environment.zohoAccounts("https://accounts.example.com",
      "https://www.zohoapis.example.com");
  private static final Environment RFC6749 = Environment.builder("rfc6749")
      .tokenUrl("https://login.example.com/oauth2/token")
      .apiDomain("https://api.example.com")
      .clientAuthentication(Environment.ClientAuthentication.BASIC)
      .build();
  private static final Set<ErrorCode> SERVER_CODES = EnumSet.of(ErrorCode.PROTOCOL_ERROR, ErrorCode.SERVER_ERROR,
      ErrorCode.THROTTLED, ErrorCode.REAUTHORIZATION_REQUIRED, ErrorCode.INVALID_CLIENT);

  /** The secrets a refresh sends (the client secret in the form). */
  private static final List<String> REFRESH_SECRETS = List.of(CLIENT_SECRET, REFRESH_TOKEN);
  /** The secrets an exchange sends (HTTP Basic with the client secret, PKCE). */
  private static final List<String> EXCHANGE_SECRETS = List.of(CLIENT_SECRET, GRANT_CODE, CODE_VERIFIER,
      Base64.getEncoder().encodeToString((enc(CLIENT_ID) + ":" + enc(CLIENT_SECRET)).getBytes(UTF_8)));

  @FuzzTest(maxDuration = "8s")
  @Timeout(value = 60, unit = TimeUnit.SECONDS) // per input (Jazzer); JUnit's own timeout is off in the fuzz execution
  void reply(byte[] input) {
    CannedReply canned = CannedReply.of(input);
    TokenEndpointClient client = new TokenEndpointClient(new CannedHttpClient(canned), Duration.ofSeconds(5));
    check(canned, REFRESH_SECRETS, () -> client.refresh(ZOHO, CLIENT_ID, CLIENT_SECRET, REFRESH_TOKEN));
    check(canned, EXCHANGE_SECRETS,
        () -> client.exchange(RFC6749, CLIENT_ID, CLIENT_SECRET, REDIRECT, GRANT_CODE, CODE_VERIFIER));
  }

  private static void check(
      CannedReply canned, List<String> secrets, java.util.function.Supplier<TokenEndpointClient.TokenReply> call) {
    TokenEndpointClient.TokenReply reply;
    try {
      reply = call.get();
    } catch (OAuthException e) {
      assertThat(e.code()).as("%s", e).isIn(SERVER_CODES);
      assertThat(e.httpStatus()).isEqualTo(canned.status);
      assertNoSecret(e.getMessage(), secrets, e);
      assertNoSecret(e.serverError().orElse(""), secrets, e);
      if (e.code() == ErrorCode.THROTTLED) {
        assertThat(e.retryAfter()).hasValueSatisfying(d -> assertThat(d).isBetween(Duration.ZERO, Duration.ofDays(1)));
      }
      return;
    } catch (RuntimeException e) {
      throw new AssertionError("not an OAuthException for HTTP " + canned.status + ": " + e, e);
    }
    assertThat(canned.status / 100).as("a token reply from HTTP %s", canned.status).isEqualTo(2);
    assertToken(reply.accessToken());
    if (reply.refreshToken() != null) {
      assertToken(reply.refreshToken());
    }
    assertThat(reply.expiresIn()).isBetween(Duration.ofSeconds(1), TokenEndpointClient.MAX_LIFETIME);
    if (reply.apiDomain() != null) {
      URI u = URI.create(reply.apiDomain());
      assertThat(u.getScheme().toLowerCase(Locale.ROOT)).isIn("http", "https");
      assertThat(u.getHost()).isNotEmpty();
    }
    assertTokensRedacted(reply);
  }

  /**
   * The string form shows the tokens only as {@link Secrets#redact}: it holds their redactions, and once those are
   * taken out it is the string form of the same reply with other tokens. (A one-character token such as {@code 9}
   * may be a digit of a fingerprint or a letter of a field name, so looking for the token itself proves nothing.)
   */
  private static void assertTokensRedacted(TokenEndpointClient.TokenReply reply) {
    String text = reply.toString();
    assertThat(text).contains(Secrets.redact(reply.accessToken()));
    if (reply.refreshToken() != null) {
      assertThat(text).contains(Secrets.redact(reply.refreshToken()));
    }
    TokenEndpointClient.TokenReply other = new TokenEndpointClient.TokenReply("other-access",
        reply.refreshToken() == null ? null : "other-refresh", reply.expiresIn(), reply.apiDomain());
    assertThat(withoutRedactions(text)).isEqualTo(withoutRedactions(other.toString()));
  }

  private static String withoutRedactions(String text) {
    return text.replaceAll("<redacted:[0-9a-f]{6}>", "<redacted>");
  }

  private static void assertToken(String token) {
    assertThat(token).isNotBlank();
    assertThat(token.chars()).allMatch(c -> c >= 0x20 && c <= 0x7e);
    assertThat(token.charAt(0)).isNotEqualTo(' ');
    assertThat(token.charAt(token.length() - 1)).isNotEqualTo(' ');
  }

  /**
   * No run of 8 characters of a secret sent, as is or URL-encoded, in any case ({@link dev.tokenstore.Secrets#scrub}'s
   * rule: 8 characters of the secret, so {@code cs%2BFz9}, six characters of {@code cs+Fz9...}, may show).
   */
  private static void assertNoSecret(String text, List<String> secrets, OAuthException e) {
    String t = text.toLowerCase(Locale.ROOT);
    for (String secret : secrets) {
      for (int i = 0; i + 8 <= secret.length(); i++) {
        String run = secret.substring(i, i + 8);
        if (t.contains(run.toLowerCase(Locale.ROOT)) || t.contains(enc(run).toLowerCase(Locale.ROOT))) {
          fail("8 characters of a secret sent show in the %s message: %s", e.code(), text);
        }
      }
    }
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, UTF_8);
  }

  /** A reply as the fuzz input describes it. */
  static final class CannedReply {
    final int status;
    final Map<String, List<String>> headers;
    final String body;

    private CannedReply(int status, Map<String, List<String>> headers, String body) {
      this.status = status;
      this.headers = headers;
      this.body = body;
    }

    static CannedReply of(byte[] input) {
      String s = new String(input, UTF_8); // as BodyHandlers.ofString(UTF_8): malformed bytes become U+FFFD
      int end = s.indexOf("\n\n");
      if (s.length() < 4 || !isStatusLine(s) || end < 0) {
        return new CannedReply(200, Map.of(), s);
      }
      int status = Integer.parseInt(s.substring(0, 3));
      // HTTP header names are case-insensitive: one entry per name, as the JDK client gives them
      Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
      int lineStart = s.indexOf('\n') + 1;
      while (lineStart < end) {
        int lineEnd = s.indexOf('\n', lineStart);
        String line = s.substring(lineStart, lineEnd);
        int colon = line.indexOf(':');
        String name = colon < 0 ? "" : line.substring(0, colon).trim(); // as HttpHeaders.of trims names
        if (!name.isEmpty()) {
          headers.computeIfAbsent(name, k -> new java.util.ArrayList<>()).add(line.substring(colon + 1).strip());
        }
        lineStart = lineEnd + 1;
      }
      return new CannedReply(status, headers, s.substring(end + 2));
    }

    private static boolean isStatusLine(String s) {
      return s.charAt(0) >= '1' && s.charAt(0) <= '5' && Character.isDigit(s.charAt(1))
          && Character.isDigit(s.charAt(2)) && s.charAt(3) == '\n';
    }
  }

  /** An {@link HttpClient} that answers every request with the canned reply, as the JDK's client would. */
  static final class CannedHttpClient extends HttpClient {
    private final CannedReply canned;

    CannedHttpClient(CannedReply canned) {
      this.canned = canned;
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> handler) {
      return (HttpResponse<T>) new CannedResponse(request, canned);
    }

    @Override
    public <T> CompletableFuture<HttpResponse<T>> sendAsync(HttpRequest r, HttpResponse.BodyHandler<T> h) {
      return CompletableFuture.completedFuture(send(r, h));
    }

    @Override
    public <T> CompletableFuture<HttpResponse<T>> sendAsync(
        HttpRequest r, HttpResponse.BodyHandler<T> h, HttpResponse.PushPromiseHandler<T> p) {
      return sendAsync(r, h);
    }

    @Override
    public Optional<CookieHandler> cookieHandler() {
      return Optional.empty();
    }

    @Override
    public Optional<Duration> connectTimeout() {
      return Optional.empty();
    }

    @Override
    public Redirect followRedirects() {
      return Redirect.NEVER;
    }

    @Override
    public Optional<ProxySelector> proxy() {
      return Optional.empty();
    }

    @Override
    public SSLContext sslContext() {
      throw new UnsupportedOperationException();
    }

    @Override
    public SSLParameters sslParameters() {
      throw new UnsupportedOperationException();
    }

    @Override
    public Optional<Authenticator> authenticator() {
      return Optional.empty();
    }

    @Override
    public Version version() {
      return Version.HTTP_1_1;
    }

    @Override
    public Optional<Executor> executor() {
      return Optional.empty();
    }
  }

  private record CannedResponse(HttpRequest request, CannedReply canned) implements HttpResponse<String> {
    @Override
    public int statusCode() {
      return canned.status;
    }

    @Override
    public HttpHeaders headers() {
      return HttpHeaders.of(canned.headers, (k, v) -> true);
    }

    @Override
    public String body() {
      return canned.body;
    }

    @Override
    public Optional<HttpResponse<String>> previousResponse() {
      return Optional.empty();
    }

    @Override
    public Optional<SSLSession> sslSession() {
      return Optional.empty();
    }

    @Override
    public URI uri() {
      return request.uri();
    }

    @Override
    public HttpClient.Version version() {
      return HttpClient.Version.HTTP_1_1;
    }
  }
}
