package dev.tokenstore.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenstore.OAuthToken;
import dev.tokenstore.TokenStore;
import dev.tokenstore.TokenStores;
import dev.tokenstore.oauth.TokenPages;
import dev.tokenstore.spi.ForwardingTokenStore;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What {@code tokenstore list} reads: a store without paging of its own (such as Redis) is read once, as before
 * damaged records were listed, not once for each page of 10,000 (a read of every record each).
 */
class ListReadsTest {
  @TempDir Path dir;

  @Test
  void aStoreWithoutPagingIsReadOnceNotOncePerPage() {
    int n = TokenPages.MAX_LIMIT + 1;
    List<OAuthToken> tokens = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      tokens.add(Cli.token("user" + i + "@example.com"));
    }
    AtomicInteger reads = new AtomicInteger();
    try (TokenStore file = TokenStores.open("file:" + dir.resolve("sdk_tokens.txt"))) {
      file.saveTokens(tokens);
      // a real store seen as one without paging, counting its full reads
      TokenStore noPaging = new ForwardingTokenStore(file) {
        @Override
        public <T> Optional<T> capability(Class<T> type) {
          return type == TokenPages.class ? Optional.empty() : super.capability(type);
        }

        @Override
        public List<OAuthToken> getTokens() {
          reads.incrementAndGet();
          return super.getTokens();
        }
      };

      List<TokenPages.Item> items = TokenPages.allItems(noPaging, Instant.now());

      assertThat(items).hasSize(n).allSatisfy(i -> assertThat(i.readable()).isTrue());
      assertThat(reads.get()).isEqualTo(1);
    }
  }
}
