package dev.tokenstore.file;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenstore.OAuthToken;
import dev.tokenstore.testservers.ChildJvms;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A writer killed in the middle of a save leaves its temp file, a full copy of every secret; the next open of
 * the store removes it (under the writers' lock), and never a live writer's.
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
    // Not this store's temp files: left alone.
    Path otherStore = Files.writeString(dir.resolve(".other.txt.123.tmp"), "x");
    Path lookalike = Files.writeString(dir.resolve(".sdk_tokens.txt.notes.2.tmp"), "x");
    Path userFile = Files.writeString(dir.resolve("sdk_tokens.txt.tmp"), "x");

    try (FileTokenStore store = FileTokenStore.open(file)) {
      assertThat(leftover).doesNotExist();
      assertThat(newStyle).doesNotExist();
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

  @Test
  void aWriterKilledWithKill9MidSaveLeavesNoCopyOfTheSecretsOnceTheStoreIsOpenedAgain() throws Exception {
    Path file = dir.resolve("sdk_tokens.txt");
    fill(file, 4000); // about 2 MB: every save writes and fsyncs it all
    int leftBehind = 0;
    for (int attempt = 0; attempt < 30 && leftBehind < 2; attempt++) {
      try (ChildJvms child = ChildJvms.start(KilledWriterMain.class, 1, i -> List.of(file.toString()))) {
        child.waitUntil("the writer has opened the store", Duration.ofSeconds(60), () -> child.get(0).saw("OPENED"));
        child.waitUntil("the writer is in the middle of a save", Duration.ofSeconds(60), () -> {
          try {
            return !temps(dir).isEmpty();
          } catch (IOException e) {
            return false;
          }
        });
        child.get(0).kill(); // destroyForcibly: SIGKILL, no shutdown hooks, no finally blocks
      }
      if (!temps(dir).isEmpty()) {
        leftBehind++;
        Path copy = temps(dir).get(0);
        assertThat(new String(Files.readAllBytes(copy), StandardCharsets.UTF_8)).contains("rt-SECRET-");
        try (FileTokenStore store = FileTokenStore.open(file)) {
          assertThat(temps(dir)).as("temp files after reopening").isEmpty();
          assertThat(store.getTokens()).hasSize(4000);
        }
      }
    }
    assertThat(leftBehind).as("kills that left a temp file behind").isPositive();
  }
}
