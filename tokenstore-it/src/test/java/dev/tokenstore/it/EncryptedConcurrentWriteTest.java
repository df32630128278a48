package dev.tokenstore.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.tokenstore.ErrorCode;
import dev.tokenstore.OAuthToken;
import dev.tokenstore.StoreException;
import dev.tokenstore.TokenStore;
import dev.tokenstore.TokenStores;
import dev.tokenstore.crypto.EncryptedTokenStore;
import dev.tokenstore.crypto.KeyProvider;
import dev.tokenstore.crypto.KeyProviders;
import dev.tokenstore.crypto.Keyring;
import dev.tokenstore.spi.ConditionalSave;
import dev.tokenstore.spi.EncryptedValues;
import dev.tokenstore.spi.ForwardingTokenStore;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Another writer at the very moment an {@code EncryptedTokenStore} writes: the wrapped store is put behind
 * {@link Interleaving}, which runs that other write just before the encrypted store's compare-and-set save reaches
 * the store (after the encrypted store has read the record and merged). The other writer is a second
 * {@code EncryptedTokenStore} on the same storage (another process, with the keyring), or someone without the
 * keyring editing the storage by hand. What a plain store guarantees (saves are atomic merges) must hold:
 * <ul>
 *   <li>an update of another field by the other process is not lost;
 *   <li>a ciphertext copied from another record by hand is never sealed into the record and handed out.
 * </ul>
 * (Both failed before the compare-and-set covered the client secret field, where the seal is, and before a seal that
 * does not fit after a compare-and-set was refused instead of sealed again.)
 */
class EncryptedConcurrentWriteTest {
  private static final String CLIENT = "1000.RACE";

  @TempDir Path dir;

  private final KeyProvider keys = KeyProviders.fixed(Keyring.generate(Clock.systemUTC()));

  /** Runs {@link #next}, once, right before the next compare-and-set save goes to the wrapped store. */
  static final class Interleaving extends ForwardingTokenStore {
    volatile @Nullable Runnable next;

    Interleaving(TokenStore store) {
      super(store);
    }

    @Override
    protected Optional<OAuthToken> saveTokenIf(ConditionalSave target, OAuthToken expected, OAuthToken update) {
      Runnable r = next;
      next = null;
      if (r != null) {
        r.run();
      }
      return super.saveTokenIf(target, expected, update);
    }
  }

  private static OAuthToken token(String user) {
    String u = user.substring(0, user.indexOf('@'));
    return OAuthToken.builder().userName(user).clientId(CLIENT).clientSecret("cs-SECRET-" + u)
        .refreshToken("1000.rt-SECRET-" + u).accessToken("1000.at-SECRET-" + u)
        .expiresAt(Instant.ofEpochMilli(1_900_000_000_000L)).redirectUrl("https://app.example.com/cb").build();
  }

  /** The encrypted store under test, over {@code raw}'s storage behind an {@link Interleaving}. */
  private EncryptedTokenStore interleaved(RawStore raw, Interleaving[] hook) {
    hook[0] = new Interleaving(EncryptedValues.withoutCheck(TokenStores.open(raw.uri())));
    return EncryptedTokenStore.wrap(hook[0], keys);
  }

  @ParameterizedTest
  @ValueSource(strings = {"file", "sqlite", "redis"})
  void aSaveDoesNotUndoAnotherProcesssUpdateOfTheSameRecord(String kind) {
    try (RawStore raw = RawStore.create(kind, dir);
        EncryptedTokenStore other = EncryptedTokenStore.open(raw.uri(), keys)) {
      Interleaving[] hook = new Interleaving[1];
      try (EncryptedTokenStore store = interleaved(raw, hook)) {
        OAuthToken bob = other.saveToken(token("bob@example.com"));
        String id = Objects.requireNonNull(bob.id());
        // the other process changes the redirect URL and the client secret while this one saves an access token
        hook[0].next = () -> other.saveToken(OAuthToken.builder().id(id).redirectUrl("https://moved.example.com/cb")
            .clientSecret("cs-SECRET-rotated").build());
        store.saveToken(OAuthToken.builder().id(id).accessToken("1000.at-SECRET-new").build());

        OAuthToken now = other.findTokenById(id).orElseThrow();
        assertThat(now.accessToken()).isEqualTo("1000.at-SECRET-new");
        assertThat(now.redirectUrl()).as("the other process's redirect URL, not undone by this save")
            .isEqualTo("https://moved.example.com/cb");
        assertThat(now.clientSecret()).as("the other process's client secret, not undone by this save")
            .isEqualTo("cs-SECRET-rotated");
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"file", "sqlite", "redis"})
  void aRefreshSaveDoesNotUndoAnotherProcesssUpdateOfTheSameRecord(String kind) {
    try (RawStore raw = RawStore.create(kind, dir);
        EncryptedTokenStore other = EncryptedTokenStore.open(raw.uri(), keys)) {
      Interleaving[] hook = new Interleaving[1];
      try (EncryptedTokenStore store = interleaved(raw, hook)) {
        OAuthToken bob = other.saveToken(token("bob@example.com"));
        String id = Objects.requireNonNull(bob.id());
        hook[0].next = () -> other.saveToken(OAuthToken.builder().id(id).redirectUrl("https://moved.example.com/cb")
            .build());
        // a token manager's refresh result, saved with compare-and-set on the tokens it refreshed
        OAuthToken saved = store.capability(ConditionalSave.class).orElseThrow().saveTokenIf(bob,
            OAuthToken.builder().id(id).accessToken("1000.at-SECRET-2").refreshToken("1000.rt-SECRET-2")
                .expiresAt(Instant.ofEpochMilli(1_950_000_000_000L)).build()).orElseThrow();
        assertThat(saved.refreshToken()).isEqualTo("1000.rt-SECRET-2");

        OAuthToken now = other.findTokenById(id).orElseThrow();
        assertThat(now.refreshToken()).isEqualTo("1000.rt-SECRET-2");
        assertThat(now.redirectUrl()).as("the other process's redirect URL, not undone by the refresh's save")
            .isEqualTo("https://moved.example.com/cb");
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"file", "sqlite", "redis"})
  void aCiphertextCopiedInByHandDuringASaveIsNeverSealedIntoTheRecord(String kind) {
    try (RawStore raw = RawStore.create(kind, dir);
        EncryptedTokenStore other = EncryptedTokenStore.open(raw.uri(), keys)) {
      OAuthToken alice = other.saveToken(token("alice@example.com").toBuilder().grantToken("1000.gt-SECRET-alice")
          .build());
      OAuthToken bob = other.saveToken(token("bob@example.com")); // bob has no grant token
      String aliceGrant = raw.record(Objects.requireNonNull(alice.id())).get("grant_token");
      String id = Objects.requireNonNull(bob.id());
      Interleaving[] hook = new Interleaving[1];
      try (EncryptedTokenStore store = interleaved(raw, hook)) {
        // someone with write access to the storage copies alice's grant token into bob's record, just then
        hook[0].next = () -> raw.set(id, "grant_token", aliceGrant);
        Throwable saving = catchThrowable(() -> store.saveToken(OAuthToken.builder().id(id)
            .accessToken("1000.at-SECRET-new").build()));
        if (saving != null) {
          assertThat(saving).isInstanceOf(StoreException.class);
          assertThat(((StoreException) saving).code()).isEqualTo(ErrorCode.RECORD_MISMATCH);
        }
        Throwable reading = catchThrowable(() -> {
          OAuthToken read = other.findTokenById(id).orElseThrow();
          assertThat(read.grantToken()).as("alice's grant token handed out as bob's").isNull();
        });
        if (reading != null && !(reading instanceof AssertionError)) {
          assertThat(reading).isInstanceOf(StoreException.class);
          assertThat(((StoreException) reading).code()).isEqualTo(ErrorCode.RECORD_MISMATCH);
        } else if (reading != null) {
          throw (AssertionError) reading;
        }
      }
    }
  }
}
