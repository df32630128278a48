package dev.tokenstore.testkit;

import static dev.tokenstore.testkit.TokenStoreContract.fullToken;
import static dev.tokenstore.testkit.TokenStoreContract.idOf;
import static dev.tokenstore.testkit.TokenStoreContract.runInThreads;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenstore.OAuthToken;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The part of {@link TokenStoreContract} about many threads at once: no lost record, no shared id, no torn read; the
 * contract's {@code @Nested} class {@code Concurrency} runs it.
 *
 * <p>Not thread-safe; JUnit runs one instance per test.
 */
abstract class ConcurrencyContract extends ContractGroup {
  ConcurrencyContract(TokenStoreContract contract) {
    super(contract);
  }

  @Test
  void manyThreadsSavingDifferentUsersLoseNothingAndShareNoId() throws Exception {
    int threads = threads();
    int perThread = 50;
    List<OAuthToken> saved = runInThreads(threads, t -> {
      List<OAuthToken> mine = new ArrayList<>();
      for (int i = 0; i < perThread; i++) {
        mine.add(store.saveToken(fullToken("t" + t + "-u" + i + "@example.com")));
      }
      return mine;
    });
    assertThat(saved).hasSize(threads * perThread);
    assertThat(saved.stream().map(OAuthToken::id).collect(Collectors.toSet())).hasSize(threads * perThread);
    assertThat(store.getTokens()).hasSize(threads * perThread).containsExactlyInAnyOrderElementsOf(saved);
  }

  @Test
  void manyThreadsSavingTheSameUserMakeOneRecord() throws Exception {
    int threads = threads();
    List<OAuthToken> saved = runInThreads(threads, t -> {
      List<OAuthToken> mine = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        mine.add(store.saveToken(fullToken("same@example.com").toBuilder().accessToken("a-" + t + "-" + i).build()));
      }
      return mine;
    });
    assertThat(saved.stream().map(OAuthToken::id).collect(Collectors.toSet())).hasSize(1);
    List<OAuthToken> all = store.getTokens();
    assertThat(all).hasSize(1);
    Set<String> written = saved.stream().map(OAuthToken::accessToken).collect(Collectors.toCollection(HashSet::new));
    assertThat(written).contains(all.get(0).accessToken());
  }

  @Test
  void readersAlwaysSeeACompleteRecordWhileWritersUpdateIt() throws Exception {
    OAuthToken base = store.saveToken(fullToken("r@example.com"));
    int threads = Math.max(2, threads());
    ConcurrentLinkedQueue<String> problems = new ConcurrentLinkedQueue<>();
    runInThreads(threads, t -> {
      for (int i = 0; i < 40; i++) {
        if (t % 2 == 0) {
          String v = "v-" + t + "-" + i;
          store.saveToken(OAuthToken.builder().id(idOf(base)).accessToken(v + "-a").refreshToken(v + "-r").build());
        } else {
          Optional<OAuthToken> seen = store.findTokenById(idOf(base));
          String a = seen.map(OAuthToken::accessToken).orElse(null);
          String r = seen.map(OAuthToken::refreshToken).orElse(null);
          if (seen.isEmpty()) {
            problems.add("record vanished during an update");
          } else if (a == null || r == null) {
            problems.add("a token lost during an update");
          } else {
            boolean original = a.equals(base.accessToken()) && r.equals(base.refreshToken());
            boolean paired = a.endsWith("-a") && r.endsWith("-r")
                && a.substring(0, a.length() - 2).equals(r.substring(0, r.length() - 2));
            if (!original && !paired) {
              problems.add("torn record");
            }
          }
        }
      }
      return List.of();
    });
    assertThat(problems).isEmpty();
  }
}
