package dev.tokenstore.emulator;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;

/**
 * A queue of faults for one endpoint of an {@link AccountsEmulator}: each call to the endpoint takes the first
 * queued fault, if any, and suffers it. Methods that take {@code times} queue the same fault for that many calls.
 * Faulted calls still count in the emulator's counters (counters count requests received).
 *
 * <ul>
 *   <li>{@link #delay}: the call waits, then is served normally (for client timeouts);</li>
 *   <li>{@link #status}: the call gets that HTTP status and body instead of being served (e.g. 500, 503);</li>
 *   <li>{@link #json}: the same with a JSON content type, for error replies a server could really send;</li>
 *   <li>{@link #echo}: the same with a body made of the request as received (a server that quotes it);</li>
 *   <li>{@link #tooManyRequests}: HTTP 429 with a {@code Retry-After} header;</li>
 *   <li>{@link #malformedBody}: HTTP 200 with {@code Content-Type: application/json} and a body that is not JSON;</li>
 *   <li>{@link #dropConnection}: the request is read and the connection closed without any reply;</li>
 *   <li>{@link #throttle}: Zoho's {@code Access Denied} throttling reply (HTTP 400), whatever the limits say;</li>
 *   <li>{@link #hold}: the call is held until a latch opens, then served normally (to catch a client in the middle
 *       of a call, e.g. to see what other callers do meanwhile);</li>
 *   <li>{@link #run}: the call runs an action, then is served normally (to act as another client at the moment
 *       the call arrives, e.g. revoke the token it carries).</li>
 * </ul>
 *
 * <p>A client that retries idempotent requests on a dropped connection (the JDK's {@code HttpClient} may retry a
 * {@code GET}) sends a second request, which takes the next fault or is served. Closing the emulator interrupts
 * delays in progress; their connections are dropped.
 *
 * <p>Thread-safe: faults may be queued while calls are being served; each queued fault is taken by exactly one
 * call.
 */
public final class Faults {
  /** The body of {@link #malformedBody()}: an HTML error page, as proxies send. */
  public static final String DEFAULT_MALFORMED_BODY =
      "<html><head><title>502 Bad Gateway</title></head><body>Bad Gateway</body></html>";

  enum Kind {
    DELAY,
    STATUS,
    MALFORMED,
    DROP,
    THROTTLE,
    HOLD,
    RUN,
    ECHO
  }

  /** One queued fault; the fields a kind does not use are empty or null. */
  record Fault(
      Kind kind,
      Duration delay,
      int status,
      String body,
      String contentType,
      @Nullable String retryAfter,
      @Nullable CountDownLatch arrived,
      @Nullable CountDownLatch release,
      @Nullable Runnable action,
      @Nullable UnaryOperator<String> echo) {
    Fault(Kind kind, Duration delay, int status, String body, String contentType, @Nullable String retryAfter,
        @Nullable CountDownLatch arrived, @Nullable CountDownLatch release, @Nullable Runnable action) {
      this(kind, delay, status, body, contentType, retryAfter, arrived, release, action, null);
    }

    static Fault of(Kind kind, Duration delay, int status, String body, String contentType) {
      return new Fault(kind, delay, status, body, contentType, null, null, null, null);
    }
  }

  private static final String JSON = "application/json;charset=UTF-8";

  private final ConcurrentLinkedQueue<Fault> queue = new ConcurrentLinkedQueue<>();

  Faults() {}

  /** The next call waits {@code delay} before it is served normally. */
  public Faults delay(Duration delay) {
    return delay(delay, 1);
  }

  /** The next {@code times} calls each wait {@code delay} before they are served normally. */
  public Faults delay(Duration delay, int times) {
    Objects.requireNonNull(delay, "delay");
    if (delay.isNegative()) {
      throw new IllegalArgumentException("delay must not be negative: " + delay);
    }
    return add(Fault.of(Kind.DELAY, delay, 0, "", ""), times);
  }

  /** The next call gets HTTP {@code status} with {@code body} (sent as {@code text/plain}) instead of a reply. */
  public Faults status(int status, String body) {
    return status(status, body, 1);
  }

  /** The next {@code times} calls get HTTP {@code status} with {@code body} (sent as {@code text/plain}). */
  public Faults status(int status, String body, int times) {
    Objects.requireNonNull(body, "body");
    checkStatus(status);
    return add(Fault.of(Kind.STATUS, Duration.ZERO, status, body, "text/plain; charset=UTF-8"), times);
  }

  /**
   * The next call gets HTTP {@code status} with {@code body} sent as {@code application/json} instead of a reply,
   * e.g. {@code json(400, "{\"error\":\"invalid_request\"}")}. The body is sent as given, JSON or not.
   */
  public Faults json(int status, String body) {
    return json(status, body, 1);
  }

  /** The next {@code times} calls get HTTP {@code status} with {@code body} sent as {@code application/json}. */
  public Faults json(int status, String body, int times) {
    Objects.requireNonNull(body, "body");
    checkStatus(status);
    return add(Fault.of(Kind.STATUS, Duration.ZERO, status, body, JSON), times);
  }

  /**
   * The next call gets HTTP {@code status} with a JSON body that {@code reply} makes of the request as received:
   * its raw query string and form body, joined by {@code &} (still URL-encoded, as on the wire). For servers that
   * echo the request in their error replies, e.g.
   * {@code echo(400, req -> "{\"error\":\"invalid_request: " + req + "\"}")}; {@code reply} may also decode,
   * upper-case or truncate what it quotes.
   */
  public Faults echo(int status, UnaryOperator<String> reply) {
    Objects.requireNonNull(reply, "reply");
    checkStatus(status);
    return add(new Fault(Kind.ECHO, Duration.ZERO, status, "", JSON, null, null, null, null, reply), 1);
  }

  /**
   * The next call gets HTTP 429 with {@code Retry-After: <whole seconds of retryAfter>} and the JSON body
   * {@code {"error":"too_many_requests"}}.
   */
  public Faults tooManyRequests(Duration retryAfter) {
    Objects.requireNonNull(retryAfter, "retryAfter");
    if (retryAfter.isNegative()) {
      throw new IllegalArgumentException("retryAfter must not be negative: " + retryAfter);
    }
    String body = "{\"error\":\"too_many_requests\"}";
    return add(
        new Fault(Kind.STATUS, Duration.ZERO, 429, body, JSON, Long.toString(retryAfter.toSeconds()), null, null, null),
        1);
  }

  /** The next call gets HTTP 200 with a JSON content type and {@link #DEFAULT_MALFORMED_BODY}. */
  public Faults malformedBody() {
    return malformedBody(DEFAULT_MALFORMED_BODY, 1);
  }

  /** The next {@code times} calls get HTTP 200 with a JSON content type and {@code body}, which should not be JSON. */
  public Faults malformedBody(String body, int times) {
    Objects.requireNonNull(body, "body");
    return add(Fault.of(Kind.MALFORMED, Duration.ZERO, 200, body, JSON), times);
  }

  /** The next call's connection is closed without a reply. */
  public Faults dropConnection() {
    return dropConnection(1);
  }

  /** The next {@code times} calls' connections are closed without a reply. */
  public Faults dropConnection(int times) {
    return add(Fault.of(Kind.DROP, Duration.ZERO, 0, "", ""), times);
  }

  /** The next call gets Zoho's {@code Access Denied} throttling reply. */
  public Faults throttle() {
    return throttle(1);
  }

  /** The next {@code times} calls get Zoho's {@code Access Denied} throttling reply. */
  public Faults throttle(int times) {
    return add(Fault.of(Kind.THROTTLE, Duration.ZERO, 400, "", ""), times);
  }

  /**
   * The next call is held when it arrives (after it is counted) until {@code release} reaches zero, then served
   * normally. Closing the emulator ends the wait and drops the connection. The client's own timeout still
   * applies.
   */
  public Faults hold(CountDownLatch release) {
    return hold(new CountDownLatch(1), release);
  }

  /**
   * As {@link #hold(CountDownLatch)}, and counts {@code arrived} down once when the call arrives, so that a test
   * can wait until the call is being held.
   */
  public Faults hold(CountDownLatch arrived, CountDownLatch release) {
    Objects.requireNonNull(arrived, "arrived");
    Objects.requireNonNull(release, "release");
    return add(new Fault(Kind.HOLD, Duration.ZERO, 0, "", "", null, arrived, release, null), 1);
  }

  /**
   * The next call runs {@code action} on the server's thread when it arrives (after it is counted), then is served
   * normally, seeing whatever the action changed (e.g. a token revoked with {@link AccountsEmulator#revokeToken}).
   * If the action throws, the call gets HTTP 500 instead. The action may call the emulator's methods.
   */
  public Faults run(Runnable action) {
    Objects.requireNonNull(action, "action");
    return add(new Fault(Kind.RUN, Duration.ZERO, 0, "", "", null, null, null, action), 1);
  }

  /** How many faults are still queued. */
  public int pending() {
    return queue.size();
  }

  /** Removes every queued fault. */
  public void clear() {
    queue.clear();
  }

  @Nullable
  Fault next() {
    return queue.poll();
  }

  private static void checkStatus(int status) {
    if (status < 200 || status > 599) {
      throw new IllegalArgumentException("status must be 200..599: " + status);
    }
  }

  private Faults add(Fault fault, int times) {
    if (times < 1) {
      throw new IllegalArgumentException("times must be at least 1: " + times);
    }
    for (int i = 0; i < times; i++) {
      queue.add(fault);
    }
    return this;
  }
}
