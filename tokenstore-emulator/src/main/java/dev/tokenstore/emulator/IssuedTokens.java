package dev.tokenstore.emulator;

import java.time.Instant;
import java.util.Objects;

/**
 * A refresh token and its first access token, issued by {@link AccountsEmulator#issueTokens} without HTTP, as if
 * the user had authorized the client earlier: a test seeds its token store with them. Immutable and thread-safe;
 * {@link #toString()} does not show the tokens.
 *
 * @param accessToken an access token valid until {@code expiresAt}
 * @param refreshToken the refresh token it was made from
 * @param expiresAt when the access token expires, by the emulator's clock
 */
public record IssuedTokens(String accessToken, String refreshToken, Instant expiresAt) {
  /** Checks that no component is null. */
  public IssuedTokens {
    Objects.requireNonNull(accessToken, "accessToken");
    Objects.requireNonNull(refreshToken, "refreshToken");
    Objects.requireNonNull(expiresAt, "expiresAt");
  }

  @Override
  public String toString() {
    return "IssuedTokens[accessToken=***, refreshToken=***, expiresAt=" + expiresAt + "]";
  }
}
