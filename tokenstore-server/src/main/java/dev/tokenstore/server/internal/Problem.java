package dev.tokenstore.server.internal;

import dev.tokenstore.ErrorCode;
import dev.tokenstore.TokenstoreException;
import dev.tokenstore.oauth.OAuthException;
import java.time.Duration;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * An RFC 9457 problem the API answers with: HTTP status, our error code, a title and a detail that says what to do.
 * The one place that maps the library's {@link ErrorCode}s to HTTP statuses. Immutable and thread-safe.
 *
 * @param status the HTTP status
 * @param code the error code: an {@link ErrorCode} name, or one of the service's own ({@code UNAUTHORIZED},
 *     {@code FORBIDDEN}, {@code NOT_FOUND}, {@code METHOD_NOT_ALLOWED}, {@code PAYLOAD_TOO_LARGE},
 *     {@code UNSUPPORTED_MEDIA_TYPE}, {@code TOO_MANY_ATTEMPTS}, {@code SHUTTING_DOWN}, {@code INTERNAL_ERROR})
 * @param detail what happened and what to do; never a secret
 * @param retryAfter the {@code Retry-After} to send, if any
 */
public record Problem(int status, String code, String detail, @Nullable Duration retryAfter) {

  /** {@code Problem(status, code, detail, null)}. */
  public static Problem of(int status, String code, String detail) {
    return new Problem(status, code, detail, null);
  }

  /** The problem for a failure of the library. */
  public static Problem of(TokenstoreException e) {
    ErrorCode c = e.code();
    // a record the store holds but cannot hand out (damaged, another key's, a broken seal): a conflict with the
    // store's state that the operator resolves (delete, restore, rekey), not a failure of the service
    int status = dev.tokenstore.oauth.TokenPages.UNREADABLE_RECORD.contains(c) ? 409 : switch (c) {
      case INVALID_ARGUMENT, AMBIGUOUS_MATCH -> 400;
      case TOKEN_NOT_FOUND -> 404;
      case REAUTHORIZATION_REQUIRED, DUPLICATE_TOKEN -> 409;
      case THROTTLED -> 429;
      case INVALID_CLIENT, SERVER_ERROR, PROTOCOL_ERROR -> 502;
      case STORE_UNAVAILABLE, STORE_CLOSED, LEASE_WAIT_TIMEOUT, TOKEN_NOT_SAVED, INTERRUPTED -> 503;
      default -> 500;
    };
    Duration retry = null;
    if (e instanceof OAuthException o) {
      retry = o.retryAfter().orElse(null);
    }
    if (retry == null && status == 503) {
      retry = Duration.ofSeconds(1);
    }
    return new Problem(status, c.name(), String.valueOf(e.getMessage()), retry);
  }

  /** The {@code type} URI: {@code urn:tokenstore:problem:} and the code in lower case with dashes. */
  public String type() {
    return "urn:tokenstore:problem:" + code.toLowerCase(Locale.ROOT).replace('_', '-');
  }

  /** The {@code title}: the status's reason phrase. */
  public String title() {
    return switch (status) {
      case 400 -> "Bad Request";
      case 401 -> "Unauthorized";
      case 403 -> "Forbidden";
      case 404 -> "Not Found";
      case 405 -> "Method Not Allowed";
      case 409 -> "Conflict";
      case 413 -> "Content Too Large";
      case 415 -> "Unsupported Media Type";
      case 429 -> "Too Many Requests";
      case 502 -> "Bad Gateway";
      case 503 -> "Service Unavailable";
      default -> "Internal Server Error";
    };
  }
}
