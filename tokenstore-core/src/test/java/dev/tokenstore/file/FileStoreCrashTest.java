package dev.tokenstore.file;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenstore.OAuthToken;
import dev.tokenstore.internal.TokenTable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A writer killed in the middle of a save leaves its temp file, a full copy of every secret; the next open of
 * the store removes it (under the writers' lock), and never a live writer's. Writers really killed with
 * {@code kill -9}, over many rounds, are tokenstore-it's {@code CrashKillTest}.
 */
class FileStoreCrashTest {
  @TempDir Path dir;

  private static OAuthToken user(int i) {
    return OAuthToken.builder().userName("user" + i + "@example.com").clientId("1000.CLIENT")
        .clientSecret("client-secret-value").refreshToken("rt-SECRET-" + i + "-" + "x".repeat(200))
        .accessToken("at-SECRET-" + i + "-" + "y".repeat(200)).build();
  }

  /** Writes a token file of {@code count} tokens (ids 1..count) at once. */
  private static void fill(Path file, int count) throws IOException {
    List<OAuthToken> tokens = new ArrayList<>();
    for (int i = 1; i <= count; i++) {
      tokens.add(user(i).toBuilder().id(String.valueOf(i)).build());
    }
    Files.write(file, ZohoCsv.format(ZohoCsv.Layout.NEW_FILE, tokens));
  }

  private static List<Path> temps(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> p.getFileName().toString().endsWith(".tmp")).toList();
    }
  }

  @Test
  void aTempFileLeftByAKilledWriterIsRemovedWhenTheStoreIsOpenedAgain() throws IOException {
    Path file = dir.resolve("sdk_tokens.txt");
    fill(file, 3);
    // Exactly what a writer killed between writing its temp file and the rename leaves: a complete copy, 0600.
    Path leftover = dir.resolve(".sdk_tokens.txt.4611686018427387904.tmp");
    Files.write(leftover, Files.readAllBytes(file));
    Files.setPosixFilePermissions(leftover, PosixFilePermissions.fromString("rw-------"));
    Path newStyle = dir.resolve(".sdk_tokens.txt.k3j9x0q2m1ab.tmp");
    Files.write(newStyle, Files.readAllBytes(file));
    // The issue-time sidecar's temp file, left by a writer killed while it replaced the sidecar.
    Path sidecarTemp = Files.writeString(dir.resolve(".sdk_tokens.txt.issued.2yevd13eg0w9i.tmp"), "# issue times\n");
    // Not this store's temp files: left alone.
    Path otherStore = Files.writeString(dir.resolve(".other.txt.123.tmp"), "x");
    Path lookalike = Files.writeString(dir.resolve(".sdk_tokens.txt.notes.2.tmp"), "x");
    Path userFile = Files.writeString(dir.resolve("sdk_tokens.txt.tmp"), "x");

    try (FileTokenStore store = FileTokenStore.open(file)) {
      assertThat(leftover).doesNotExist();
      assertThat(newStyle).doesNotExist();
      assertThat(sidecarTemp).doesNotExist();
      assertThat(store.getTokens()).hasSize(3);
    }
    assertThat(otherStore).exists();
    assertThat(lookalike).exists();
    assertThat(userFile).exists();
    assertThat(FileTokenStore.tempFiles(file)).isEmpty();
  }

  @Test
  void aLiveWritersTempFileIsNotRemoved() throws Exception {
    Path file = dir.resolve("sdk_tokens.txt");
    fill(file, 1);
    Path live = dir.resolve(".sdk_tokens.txt.77.tmp");
    PathLock lock = PathLock.acquire(TokenFile.realPath(file));
    try {
      // A writer of another store holds the writers' lock while its temp file exists: open must wait for it.
      Thread opener;
      List<Throwable> failures = new ArrayList<>();
      try (PathLock.Held held = lock.lockExclusive(new TokenFile(TokenFile.realPath(file)).fileAttributes())) {
        Files.writeString(live, "being written");
        opener = new Thread(() -> {
          try (FileTokenStore store = FileTokenStore.open(file)) {
            store.getTokens();
          } catch (Throwable e) {
            failures.add(e);
          }
        });
        opener.start();
        opener.join(300);
        assertThat(live).as("the temp file of a writer that holds the lock").exists();
        Files.delete(live); // the writer renames it over the file
      }
      opener.join(10_000);
      assertThat(opener.isAlive()).isFalse();
      assertThat(failures).isEmpty();
    } finally {
      lock.release();
    }
  }

  /**
   * A writer killed after it replaced the {@code .issued} sidecar but before it renamed the new token file into
   * place: the old token file's records keep their issue times, because the sidecar written first holds their
   * entries too (found by tokenstore-it's CrashKillTest, which kills writers at random moments).
   */
  @Test
  void theSidecarWrittenBeforeTheTokenFileKeepsTheIssueTimesOfTheFileItReplaces() {
    Instant oldExpiry = Instant.ofEpochMilli(1_900_000_000_000L);
    OAuthToken old = user(1).toBuilder().id("1").expiresAt(oldExpiry).issuedAt(oldExpiry.minusSeconds(3600)).build();
    Instant newExpiry = oldExpiry.plusSeconds(600);
    OAuthToken updated = old.toBuilder().expiresAt(newExpiry).issuedAt(newExpiry.minusSeconds(1800)).build();
    OAuthToken other = user(2).toBuilder().id("2").expiresAt(oldExpiry).issuedAt(oldExpiry.minusSeconds(60)).build();
    byte[] sidecar = IssueTimes.format(List.of(updated, other), List.of(old, other));

    TokenTable oldFile = new TokenTable(); // what a reader finds if the token file was never renamed
    oldFile.put(old.toBuilder().issuedAt(null).build());
    oldFile.put(other.toBuilder().issuedAt(null).build());
    IssueTimes.apply(oldFile, sidecar);
    assertThat(oldFile.get("1")).contains(old);
    assertThat(oldFile.get("2")).contains(other);

    TokenTable newFile = new TokenTable();
    newFile.put(updated.toBuilder().issuedAt(null).build());
    IssueTimes.apply(newFile, sidecar);
    assertThat(newFile.get("1")).contains(updated);
  }
}
