package dev.tokenstore.server.internal;

import dev.tokenstore.OAuthToken;
import dev.tokenstore.TokenStore;
import dev.tokenstore.TokenstoreException;
import dev.tokenstore.oauth.TokenPages;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Refreshes tokens before they expire, so that no request waits for the accounts server: every {@code every}, each
 * stored token with a refresh token whose access token expires within {@code horizon} (the managers' refresh window
 * plus one period) is asked for through its manager, which refreshes it if it is due. Instances on one store do
 * this side by side: the store's refresh lease lets one of them call the token endpoint and the others read its
 * result, so a token is refreshed once per expiry however many instances run. Idle tokens are refreshed too, which
 * keeps refresh tokens in use that a provider would expire after a period without use. Thread-safe.
 */
public final class RefreshAhead implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger("dev.tokenstore.server");

  private final TokenStore store;
  private final Managers managers;
  private final Clock clock;
  private final Duration horizon;
  private final ScheduledExecutorService timer;
  private volatile boolean stopping;

  public RefreshAhead(TokenStore store, Managers managers, Clock clock, Duration every, Duration window) {
    this.store = store;
    this.managers = managers;
    this.clock = clock;
    this.horizon = window.plus(every);
    this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "tokenstore-refresh-ahead");
      t.setDaemon(true);
      return t;
    });
    long first = ThreadLocalRandom.current().nextLong(Math.max(1, every.toMillis() / 4));
    timer.scheduleWithFixedDelay(this::runOnce, first, every.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** One pass over the store; returns how many tokens were asked for. */
  public int runOnce() {
    int asked = 0;
    try {
      Instant now = clock.instant();
      Instant due = now.plus(horizon);
      // a record that cannot be read (an encrypted store's damaged record) is skipped, not a reason to refresh none
      for (TokenPages.Item i : TokenPages.allItems(store, now)) {
        OAuthToken t = i.token();
        if (t == null) {
          TokenstoreException e = Objects.requireNonNull(i.error());
          LOG.log(Level.WARNING, "refresh ahead skips token id " + i.id() + ", which cannot be read: [" + e.code()
              + "] " + e.getMessage());
          continue;
        }
        Instant exp = t.expiresAt();
        String id = t.id();
        if (id == null || t.refreshToken() == null || (exp != null && exp.isAfter(due))) {
          continue;
        }
        if (stopping) {
          break;
        }
        asked++;
        try {
          managers.forRecord(t).getToken(OAuthToken.builder().id(id).build());
        } catch (TokenstoreException e) {
          LOG.log(Level.WARNING, "refresh ahead of token id " + id + " failed: [" + e.code() + "] " + e.getMessage());
        }
      }
    } catch (TokenstoreException e) {
      LOG.log(Level.WARNING, "refresh ahead could not read the store: [" + e.code() + "] " + e.getMessage());
    } catch (RuntimeException e) {
      LOG.log(Level.ERROR, "refresh ahead failed", e);
    }
    return asked;
  }

  /**
   * Stops; a pass under way finishes the token it is refreshing (never interrupted: the server may already have
   * rotated the refresh token) and its manager releases the lease.
   */
  @Override
  public void close() {
    stopping = true;
    timer.shutdown();
    try {
      timer.awaitTermination(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
