package dev.tokenstore.oauth;

import java.util.List;

/**
 * What a {@link TokenManager#cleanup(CleanupPolicy)} run did, by record id. Immutable and thread-safe.
 *
 * @param revoked ids of idle tokens revoked at the server (and deleted)
 * @param deleted ids of every record deleted (idle ones and unexchanged grants)
 * @param stamped ids of unexchanged grant records given an expiry time, to be deleted by a later run
 * @param failed ids of records left in place because revoking failed; the next run tries again
 */
public record CleanupReport(List<String> revoked, List<String> deleted, List<String> stamped, List<String> failed) {
  public CleanupReport {
    revoked = List.copyOf(revoked);
    deleted = List.copyOf(deleted);
    stamped = List.copyOf(stamped);
    failed = List.copyOf(failed);
  }
}
