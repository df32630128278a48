package dev.tokenstore.server.internal.console;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenstore.ErrorCode;
import dev.tokenstore.TokenstoreException;
import dev.tokenstore.memory.MemoryTokenStore;
import dev.tokenstore.oauth.TokenEvent;
import dev.tokenstore.spi.EntryTable;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The console's record of the managers' refreshes: bounded per token, per hour, without secrets. */
class ActivityTest {
  private static final Instant NOW = Instant.parse("2030-05-01T12:30:00Z");

  private final MemoryTokenStore store = MemoryTokenStore.create();
  private final EntryTable entries = store.capability(EntryTable.class).orElseThrow();
  private final Activity activity = new Activity(entries, Clock.fixed(NOW, ZoneOffset.UTC));

  @AfterEach
  void close() {
    activity.close();
    store.close();
  }

  private static TokenEvent event(TokenEvent.Type type, String id, Throwable error) {
    return new TokenEvent(type, "zoho-us", id, "u" + id + "@example.com", 0, null, error);
  }

  @Test
  void keepsTheNewestTenEventsOfATokenAndItsLastRefresh() {
    for (int i = 0; i < 14; i++) {
      activity.onEvent(event(TokenEvent.Type.REFRESH_SUCCEEDED, "7", null));
    }
    activity.onEvent(event(TokenEvent.Type.REFRESH_FAILED, "7", new TokenstoreException(ErrorCode.REAUTHORIZATION_REQUIRED,
        "refresh token 1000.refresh-SECRET was refused")));
    activity.onEvent(event(TokenEvent.Type.REFRESH_STARTED, "7", null)); // not kept
    Activity.TokenActivity seven = activity.of(List.of("7", "8")).get("7");
    assertThat(seven.events()).hasSize(Activity.EVENTS_PER_TOKEN);
    assertThat(seven.events().get(0).action()).isEqualTo("refresh failed");
    assertThat(seven.events().get(0).detail()).isEqualTo("REAUTHORIZATION_REQUIRED");
    assertThat(seven.events().get(1).action()).isEqualTo("refreshed");
    assertThat(seven.events().get(1).actor()).isEqualTo("token manager (zoho-us)");
    assertThat(seven.lastRefresh()).isEqualTo(NOW);
    assertThat(seven.recentFailures()).isEqualTo(1);
    assertThat(activity.of(List.of("8")).get("8").events()).isEmpty();
    assertThat(entries.list(Activity.TOKENS_KIND)).hasSize(1).allSatisfy((k, v) -> assertThat(v)
        .doesNotContain("SECRET"));
  }

  @Test
  void countsPerHourAndForgetsARevokedToken() {
    activity.onEvent(event(TokenEvent.Type.REFRESH_SUCCEEDED, "1", null));
    activity.onEvent(event(TokenEvent.Type.REFRESH_SUCCEEDED, "2", null));
    activity.onEvent(event(TokenEvent.Type.EXCHANGED, "3", null));
    activity.onEvent(event(TokenEvent.Type.EXCHANGE_FAILED, "4", new IllegalStateException("x")));
    List<Activity.Hour> hours = activity.lastHours(24);
    assertThat(hours).hasSize(24);
    Activity.Hour last = hours.get(23);
    assertThat(last.start()).isEqualTo(Instant.parse("2030-05-01T12:00:00Z"));
    assertThat(last.refreshed()).isEqualTo(2);
    assertThat(last.exchanged()).isEqualTo(1);
    assertThat(last.failed()).isEqualTo(1);
    assertThat(hours.subList(0, 23)).allSatisfy(h -> assertThat(h.refreshed() + h.failed()).isZero());

    activity.onEvent(event(TokenEvent.Type.REVOKED, "1", null));
    activity.forget("2");
    assertThat(activity.of(List.of("1", "2", "3"))).satisfies(m -> {
      assertThat(m.get("1").events()).isEmpty();
      assertThat(m.get("2").events()).isEmpty();
      assertThat(m.get("3").events()).hasSize(1);
    });
    assertThat(activity.lastHours(24).get(23).refreshed()).as("the hour's count stays").isEqualTo(2);
  }
}
