package dev.tokenstore.oauth;

import dev.tokenstore.ErrorCode;
import dev.tokenstore.OAuthToken;
import dev.tokenstore.TokenstoreException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.function.Function;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * The one single-flight mechanism of the token manager: concurrent callers with the same key (a record id, or a
 * query key for a token not stored yet) share one run of the work; the others wait for its result
 * ({@link TokenEvent.Type#REFRESH_JOINED}). No lock is held while the work runs. Thread-safe.
 */
final class SingleFlight {
  /** The failure handler that lets the leader fail as the others do. */
  static final Function<RuntimeException, @Nullable OAuthToken> RETHROW = ex -> {
    throw ex;
  };

  private final Counters counters;
  private final Events events;
  private final ConcurrentHashMap<Object, CompletableFuture<@Nullable OAuthToken>> inflight = new ConcurrentHashMap<>();

  SingleFlight(Counters counters, Events events) {
    this.counters = counters;
    this.events = events;
  }

  /** Whether work for {@code key} is running. */
  boolean isRunning(Object key) {
    return inflight.containsKey(key);
  }

  /**
   * Runs {@code work} once for concurrent callers with the same key: the first caller (the leader) runs it, the
   * others wait for its result or failure. {@code onFailure} turns the leader's failure into the leader's own
   * result (or throws); the others get the failure itself.
   */
  @Nullable OAuthToken run(Object key, OAuthToken about, Supplier<@Nullable OAuthToken> work,
      Function<RuntimeException, @Nullable OAuthToken> onFailure) {
    CompletableFuture<@Nullable OAuthToken> mine = new CompletableFuture<>();
    CompletableFuture<@Nullable OAuthToken> running = inflight.putIfAbsent(key, mine);
    if (running != null) {
      counters.joins.increment();
      events.emit(TokenEvent.Type.REFRESH_JOINED, about);
      return await(running);
    }
    try {
      OAuthToken result = work.get();
      mine.complete(result);
      return result;
    } catch (RuntimeException ex) {
      mine.completeExceptionally(ex);
      return onFailure.apply(ex);
    } catch (Error err) { // the joiners must not wait for ever
      mine.completeExceptionally(err);
      throw err;
    } finally {
      inflight.remove(key, mine);
    }
  }

  private static @Nullable OAuthToken await(CompletableFuture<@Nullable OAuthToken> f) {
    try {
      return f.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new TokenstoreException(ErrorCode.INTERRUPTED,
          "Interrupted while waiting for a refresh in flight; the refresh goes on in its own thread.", e);
    } catch (ExecutionException e) {
      Throwable c = e.getCause();
      if (c instanceof RuntimeException re) {
        throw re;
      }
      if (c instanceof Error err) {
        throw err;
      }
      throw new TokenstoreException(ErrorCode.SERVER_ERROR, "The refresh in flight failed.", c);
    }
  }
}
