package dev.tokenstore.cli;

import dev.tokenstore.Secrets;
import dev.tokenstore.oauth.TokenEvent;
import dev.tokenstore.oauth.TokenEventListener;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;

/**
 * Says on stderr what a command is waiting for when it waits for another process's refresh lease for longer than
 * {@link #AFTER} (a quiet wait below that is normal). Any later event of the manager ends the wait: a notice not
 * yet printed is then dropped. Thread-safe; {@link #close()} stops its timer thread.
 */
final class LeaseWaitNotice implements TokenEventListener, AutoCloseable {
  static final Duration AFTER = Duration.ofSeconds(2);

  private final PrintWriter err;
  private final Duration leaseTime;
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "tokenstore-lease-wait-notice");
    t.setDaemon(true);
    return t;
  });
  private final AtomicReference<@Nullable ScheduledFuture<?>> pending = new AtomicReference<>();

  LeaseWaitNotice(PrintWriter err, Duration leaseTime) {
    this.err = err;
    this.leaseTime = leaseTime;
  }

  @Override
  public void onEvent(TokenEvent event) {
    if (event.type() == TokenEvent.Type.LEASE_WAIT) {
      String user = event.userName();
      String what = "token id " + Secrets.shorten(String.valueOf(event.tokenId()))
          + (user == null ? "" : " (" + Secrets.shorten(user) + ")"); // stored values: control characters escaped
      ScheduledFuture<?> f = timer.schedule(() -> {
        synchronized (err) {
          err.println("Waiting for another process to finish refreshing " + what + " (it holds the refresh lease; "
              + "up to " + leaseTime.toSeconds() + " s, then this process takes over)...");
          err.flush();
        }
      }, AFTER.toMillis(), TimeUnit.MILLISECONDS);
      cancel(pending.getAndSet(f));
    } else {
      cancel(pending.getAndSet(null));
    }
  }

  private static void cancel(@Nullable ScheduledFuture<?> f) {
    if (f != null) {
      f.cancel(false);
    }
  }

  @Override
  public void close() {
    cancel(pending.getAndSet(null));
    timer.shutdownNow();
  }
}
