package dev.tokenstore.oauth;

import dev.tokenstore.ErrorCode;
import dev.tokenstore.TokenstoreException;
import java.time.Duration;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * What {@link TokenManager#cleanup(CleanupPolicy)} removes. Immutable and thread-safe.
 *
 * <h2>Idle tokens</h2>
 * A token is <em>idle</em> when its access token expired more than {@link #idleAfter()} ago. The manager
 * refreshes only on demand, so every use renews the expiry: an expiry long past means nobody asked for the
 * token in that time. Idle tokens are revoked at the server (when {@link #revokeIdle()}) and their records
 * deleted. A record without an expiry time is never idle.
 *
 * <h2>Grant tokens never exchanged</h2>
 * A record with a grant token but no access and no refresh token was saved but never exchanged. Zoho's grant
 * codes live a few minutes, so such a record can never become useful after {@link #grantLifetime()}. The
 * records have no creation time, so cleanup works in two passes: the first pass that sees such a record
 * without an expiry time stamps its {@code expiry_time} with {@code now + grantLifetime}; a later pass deletes
 * it once that time has passed. A grant record that already has an expiry time is deleted once that time
 * has passed.
 *
 * @param idleAfter how long after its expiry a token counts as idle; null to keep idle tokens
 * @param revokeIdle whether idle tokens are revoked at the server before their records are deleted
 * @param grantLifetime how long an unexchanged grant token may stay; null to keep such records
 */
public record CleanupPolicy(@Nullable Duration idleAfter, boolean revokeIdle, @Nullable Duration grantLifetime) {

  public CleanupPolicy {
    if (idleAfter != null) {
      DurationBounds.nonNegative(idleAfter, "idleAfter", DurationBounds.CENTURY);
    }
    if (grantLifetime != null) {
      DurationBounds.nonNegative(grantLifetime, "grantLifetime", DurationBounds.CENTURY);
    }
  }

  /** Revoke and delete tokens idle for {@code idleAfter}; delete unexchanged grant tokens after 10 minutes. */
  public static CleanupPolicy idleFor(Duration idleAfter) {
    return new CleanupPolicy(Objects.requireNonNull(idleAfter, "idleAfter"), true, Duration.ofMinutes(10));
  }

  /** Only delete records of grant tokens never exchanged, after {@code grantLifetime}. */
  public static CleanupPolicy unexchangedGrants(Duration grantLifetime) {
    return new CleanupPolicy(null, false, Objects.requireNonNull(grantLifetime, "grantLifetime"));
  }
}
