package dev.tokenstore.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tokenstore.OAuthToken;
import dev.tokenstore.TokenStore;
import dev.tokenstore.file.FileTokenStore;
import dev.tokenstore.memory.MemoryTokenStore;
import dev.tokenstore.oauth.TokenPages;
import dev.tokenstore.oauth.TokenStatus;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ForwardingTokenStoreTest {
  @TempDir Path dir;

  private FileTokenStore file;

  private FileTokenStore file() {
    file = FileTokenStore.open(dir.resolve("tokens.csv"));
    return file;
  }

  @AfterEach
  void close() {
    if (file != null) {
      file.close();
    }
  }

  /** The simplest decorator: counts saves, changes nothing. */
  static final class CountingStore extends ForwardingTokenStore {
    final AtomicInteger saves = new AtomicInteger();

    CountingStore(TokenStore store) {
      super(store);
    }

    @Override
    public OAuthToken saveToken(OAuthToken token) {
      saves.incrementAndGet();
      return super.saveToken(token);
    }
  }

  private static OAuthToken token(String access, String refresh) {
    return OAuthToken.builder().userName("ada@example.com").clientId("1000.C").accessToken(access)
        .refreshToken(refresh).build();
  }

  @Test
  void aDecoratorKeepsTheCapabilitiesOfTheStoreItWraps() {
    FileTokenStore raw = file();
    CountingStore decorated = new CountingStore(new CountingStore(raw)); // two layers
    assertThat(decorated.capability(RefreshCoordination.class).orElseThrow().refreshCoordinator())
        .isSameAs(raw.refreshCoordinator());
    assertThat(decorated.capability(RefreshCoordination.class).orElseThrow())
        .as("a view, not the wrapped store, which could be cast and used past the decorators")
        .isNotInstanceOf(TokenStore.class).isNotInstanceOf(ConditionalSave.class);
    assertThat(decorated.capability(ConditionalSave.class)).isPresent();
    assertThat(decorated.capability(ConditionalSave.class).orElseThrow()).isNotInstanceOf(TokenStore.class);
    assertThat(decorated.capability(FileTokenStore.class)).as("unwraps to the store").containsSame(raw);
    assertThat(decorated.capability(TokenStore.class)).as("a store is itself").containsSame(decorated);
    assertThat(decorated.capability(CountingStore.class)).as("the outermost match").containsSame(decorated);
    assertThat(decorated.capability(String.class)).isEmpty();
  }

  /** Pages through a transforming decorator hold tokens as callers see them, never the stored form. */
  @Test
  void aDecoratorsPagesPassThroughItsTransformation() {
    FileTokenStore raw = file();
    ForwardingTokenStore upper = new ForwardingTokenStore(raw) {
      @Override
      protected OAuthToken toDelegate(OAuthToken t) {
        return t.accessToken() == null ? t : t.toBuilder().accessToken("stored:" + t.accessToken()).build();
      }

      @Override
      protected OAuthToken fromDelegate(OAuthToken t) {
        String a = t.accessToken();
        return a == null ? t : t.toBuilder().accessToken(a.substring("stored:".length())).build();
      }
    };
    upper.saveToken(token("a1", "r1"));
    upper.saveToken(OAuthToken.builder().userName("bob@example.com").clientId("1000.C").accessToken("a2").build());
    TokenPages pages = upper.capability(TokenPages.class).orElseThrow();
    assertThat(pages).as("a view, not the wrapped store").isNotInstanceOf(TokenStore.class);
    assertThat(pages.page(TokenPages.Filter.ALL, null, 10, Instant.now())).extracting(OAuthToken::accessToken)
        .containsExactly("a1", "a2");
    assertThat(raw.getTokens()).extracting(OAuthToken::accessToken).containsExactly("stored:a1", "stored:a2");
    assertThat(pages.countByStatus(TokenPages.Filter.ALL, Instant.now()).get(TokenStatus.VALID)).isEqualTo(2L);
  }

  @Test
  void aDecoratorKeepsTheEntryTableOfTheStoreItWraps() {
    FileTokenStore raw = file();
    CountingStore decorated = new CountingStore(new CountingStore(raw)); // two layers
    EntryTable entries = decorated.capability(EntryTable.class).orElseThrow();
    assertThat(entries).as("a view, not a store").isNotInstanceOf(TokenStore.class);
    assertThat(entries.insert("api-key", "k1", "hash-1")).isTrue();
    assertThat(raw.capability(EntryTable.class).orElseThrow().get("api-key", "k1")).contains("hash-1");
    assertThat(decorated.getTokens()).isEmpty();
    try (TokenStore memory = new CountingStore(MemoryTokenStore.create())) {
      EntryTable m = memory.capability(EntryTable.class).orElseThrow();
      m.put("api-key", "k", "v");
      assertThat(m.list("api-key")).containsOnlyKeys("k");
    }
  }

  @Test
  void overAStoreWithoutCapabilitiesThereAreNone() {
    try (TokenStore decorated = new CountingStore(MemoryTokenStore.create())) {
      assertThat(decorated.capability(RefreshCoordination.class)).isEmpty();
      assertThat(decorated.capability(ConditionalSave.class)).isEmpty();
    }
  }

  @Test
  void aDecoratorCanHideACapability() {
    TokenStore decorated = new ForwardingTokenStore(file()) {
      @Override
      public <T> Optional<T> capability(Class<T> type) {
        return type == ConditionalSave.class ? Optional.empty() : super.capability(type);
      }
    };
    assertThat(decorated.capability(ConditionalSave.class)).isEmpty();
    assertThat(decorated.capability(RefreshCoordination.class)).isPresent();
  }

  @Test
  void theForwardedConditionalSaveGoesThroughTheDecoratorsTransformation() {
    FileTokenStore raw = file();
    ReversingStore decorated = new ReversingStore(raw);
    OAuthToken stored = decorated.saveToken(token("access-1", "refresh-1"));
    assertThat(stored.accessToken()).isEqualTo("access-1");
    assertThat(raw.findTokenById(stored.id()).orElseThrow().accessToken()).isEqualTo("1-ssecca");

    ConditionalSave cas = decorated.capability(ConditionalSave.class).orElseThrow();
    OAuthToken update = OAuthToken.builder().id(stored.id()).accessToken("access-2").build();
    OAuthToken saved = cas.saveTokenIf(stored, update).orElseThrow();
    assertThat(saved.accessToken()).as("the result as callers see it").isEqualTo("access-2");
    assertThat(saved.refreshToken()).isEqualTo("refresh-1");
    assertThat(raw.findTokenById(stored.id()).orElseThrow().accessToken()).as("kept transformed")
        .isEqualTo("2-ssecca");
    assertThat(cas.saveTokenIf(stored, update.toBuilder().accessToken("access-3").build()))
        .as("the record changed since it was read").isEmpty();
    assertThat(decorated.findTokenById(stored.id()).orElseThrow().accessToken()).isEqualTo("access-2");
    assertThatThrownBy(() -> cas.saveTokenIf(saved, OAuthToken.builder().accessToken("x").build()))
        .isInstanceOfSatisfying(dev.tokenstore.TokenstoreException.class,
            e -> assertThat(e.code()).isEqualTo(dev.tokenstore.ErrorCode.INVALID_ARGUMENT));
  }

  /** A randomized transformation: each write gets a fresh salt, as an AEAD with a fresh nonce would. */
  static class SaltingStore extends ForwardingTokenStore {
    SaltingStore(TokenStore store) {
      super(store);
    }

    @Override
    protected OAuthToken toDelegate(OAuthToken t) {
      return t.toBuilder().accessToken(salt(t.accessToken())).refreshToken(salt(t.refreshToken())).build();
    }

    @Override
    protected OAuthToken fromDelegate(OAuthToken t) {
      return t.toBuilder().accessToken(unsalt(t.accessToken())).refreshToken(unsalt(t.refreshToken())).build();
    }

    private static String salt(String s) {
      return s == null ? null : UUID.randomUUID() + ":" + s;
    }

    private static String unsalt(String s) {
      return s == null ? null : s.substring(s.indexOf(':') + 1);
    }
  }

  /** The recipe of the class comment: compare plaintexts, then compare-and-set on the stored ciphertext. */
  static final class SaltingStoreWithRecipe extends SaltingStore {
    SaltingStoreWithRecipe(TokenStore store) {
      super(store);
    }

    @Override
    protected Optional<OAuthToken> saveTokenIf(ConditionalSave target, OAuthToken expected, OAuthToken update) {
      Optional<OAuthToken> stored = delegate().findTokenById(ConditionalSave.requireId(update));
      if (stored.isEmpty() || !ConditionalSave.matches(fromDelegate(stored.get()), expected)) {
        return Optional.empty();
      }
      return target.saveTokenIf(stored.get(), toDelegate(update)).map(this::fromDelegate);
    }
  }

  @Test
  void aRandomizedTransformationNeedsTheRecipe() {
    FileTokenStore raw = file();
    OAuthToken update = OAuthToken.builder().accessToken("access-2").build();

    SaltingStore naive = new SaltingStore(raw);
    OAuthToken stored = naive.saveToken(token("access-1", "refresh-1"));
    assertThat(naive.capability(ConditionalSave.class).orElseThrow()
        .saveTokenIf(stored, update.toBuilder().id(stored.id()).build()))
        .as("another salt: the default comparison never matches").isEmpty();

    SaltingStore recipe = new SaltingStoreWithRecipe(raw);
    ConditionalSave cas = recipe.capability(ConditionalSave.class).orElseThrow();
    OAuthToken saved = cas.saveTokenIf(stored, update.toBuilder().id(stored.id()).build()).orElseThrow();
    assertThat(saved.accessToken()).isEqualTo("access-2");
    assertThat(raw.findTokenById(stored.id()).orElseThrow().accessToken()).endsWith(":access-2");
    assertThat(cas.saveTokenIf(stored, update.toBuilder().id(stored.id()).accessToken("access-3").build()))
        .as("stale").isEmpty();
  }
}
