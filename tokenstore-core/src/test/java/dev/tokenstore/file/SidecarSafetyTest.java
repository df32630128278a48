package dev.tokenstore.file;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tokenstore.ErrorCode;
import dev.tokenstore.OAuthToken;
import dev.tokenstore.StoreException;
import dev.tokenstore.spi.RefreshCoordinator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The files next to the token file ({@code <name>.lock}, {@code <name>.refresh.lock}) are never opened through a
 * link: a symbolic or hard link planted in the token folder must not make the store overwrite the file it points
 * to. Each case uses a real link on the real file system.
 */
class SidecarSafetyTest {
  @TempDir Path dir;

  private static OAuthToken user(String name) {
    return OAuthToken.builder().userName(name).clientId("1000.CLIENT").clientSecret("client-secret-value")
        .refreshToken("refresh-of-" + name).accessToken("access-of-" + name).build();
  }

  private Path victim() throws IOException {
    return Files.writeString(dir.resolve("victim.txt"), "precious\n");
  }

  @Test
  void aSymlinkedLockFileIsRefusedAndItsTargetIsUntouched() throws IOException {
    Path file = dir.resolve("sdk_tokens.txt");
    Path victim = victim();
    Files.createSymbolicLink(dir.resolve("sdk_tokens.txt.lock"), victim);
    try (FileTokenStore store = FileTokenStore.open(file)) {
      assertThatThrownBy(() -> store.saveToken(user("u@example.com")))
          .isInstanceOfSatisfying(StoreException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.UNSAFE_FILE);
            assertThat(e.getMessage()).contains(dir.resolve("sdk_tokens.txt.lock").toString(), "symbolic link",
                "Remove");
          });
    }
    assertThat(Files.readString(victim)).isEqualTo("precious\n");
    assertThat(file).doesNotExist();
  }

  @Test
  void aDanglingSymlinkAsLockFileCreatesNothingAtItsTarget() throws IOException {
    Path file = dir.resolve("sdk_tokens.txt");
    Path target = dir.resolve("created-by-attacker's-choice");
    Files.createSymbolicLink(dir.resolve("sdk_tokens.txt.lock"), target);
    try (FileTokenStore store = FileTokenStore.open(file)) {
      assertThatThrownBy(() -> store.saveToken(user("u@example.com")))
          .isInstanceOfSatisfying(StoreException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.UNSAFE_FILE));
    }
    assertThat(target).doesNotExist();
  }

  @Test
  void aHardLinkedLockFileIsRefused() throws IOException {
    Path file = dir.resolve("sdk_tokens.txt");
    Path victim = victim();
    Files.createLink(dir.resolve("sdk_tokens.txt.lock"), victim);
    try (FileTokenStore store = FileTokenStore.open(file)) {
      assertThatThrownBy(() -> store.saveToken(user("u@example.com")))
          .isInstanceOfSatisfying(StoreException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.UNSAFE_FILE);
            assertThat(e.getMessage()).contains("hard link");
          });
    }
    assertThat(Files.readString(victim)).isEqualTo("precious\n");
  }

  @Test
  void aFolderOrFifoAsLockFileIsRefused() throws Exception {
    Path file = dir.resolve("sdk_tokens.txt");
    Files.createDirectory(dir.resolve("sdk_tokens.txt.lock"));
    try (FileTokenStore store = FileTokenStore.open(file)) {
      assertThatThrownBy(() -> store.saveToken(user("u@example.com")))
          .isInstanceOfSatisfying(StoreException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.UNSAFE_FILE);
            assertThat(e.getMessage()).contains("not a regular file");
          });
    }
    Path other = dir.resolve("other.txt");
    Process mkfifo = new ProcessBuilder("mkfifo", dir.resolve("other.txt.lock").toString()).start();
    assertThat(mkfifo.waitFor()).isZero();
    try (FileTokenStore store = FileTokenStore.open(other)) {
      assertThatThrownBy(() -> store.saveToken(user("u@example.com")))
          .isInstanceOfSatisfying(StoreException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.UNSAFE_FILE));
    }
  }

  @Test
  void aLockFileOfAnotherUserIsRefused() throws IOException {
    Path file = dir.resolve("sdk_tokens.txt");
    Path lock = Files.writeString(dir.resolve("sdk_tokens.txt.lock"), "");
    try {
      Files.setAttribute(lock, "unix:uid", 4242, java.nio.file.LinkOption.NOFOLLOW_LINKS);
    } catch (IOException | UnsupportedOperationException e) {
      org.junit.jupiter.api.Assumptions.abort("cannot give a file to another user here (not root): " + e);
    }
    try (FileTokenStore store = FileTokenStore.open(file)) {
      assertThatThrownBy(() -> store.saveToken(user("u@example.com")))
          .isInstanceOfSatisfying(StoreException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.UNSAFE_FILE);
            assertThat(e.getMessage()).contains("belongs to another user", "4242");
          });
    }
    assertThat(file).doesNotExist();
  }

  @Test
  void aSymlinkedRefreshLeaseFileIsRefusedAndItsTargetIsUntouched() throws IOException {
    Path file = dir.resolve("sdk_tokens.txt");
    Path victim = victim();
    Files.createSymbolicLink(dir.resolve("sdk_tokens.txt.refresh.lock"), victim);
    try (FileTokenStore store = FileTokenStore.open(file)) {
      store.saveToken(user("u@example.com"));
      RefreshCoordinator c = store.refreshCoordinator();
      assertThatThrownBy(() -> c.tryAcquire(new RefreshCoordinator.RefreshIdentity("env", "1"), Duration.ofSeconds(5)))
          .isInstanceOfSatisfying(StoreException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.UNSAFE_FILE);
            assertThat(e.getMessage()).contains(dir.resolve("sdk_tokens.txt.refresh.lock").toString());
          });
    }
    assertThat(Files.readString(victim)).isEqualTo("precious\n");
  }

  @Test
  void aPlantedSymlinkAtATempFileNameIsNeverWrittenThrough() throws IOException {
    Path file = dir.resolve("sdk_tokens.txt");
    Path victim = victim();
    Files.createSymbolicLink(dir.resolve(".sdk_tokens.txt.planted.tmp"), victim);
    try (FileTokenStore store = FileTokenStore.open(file)) {
      for (int i = 0; i < 20; i++) {
        store.saveToken(user("u" + i + "@example.com"));
      }
    }
    assertThat(Files.readString(victim)).isEqualTo("precious\n");
  }

  @Test
  void theSidecarsAreRegularFilesOwnedByTheUserAnd0600() throws IOException {
    Path file = dir.resolve("sdk_tokens.txt");
    try (FileTokenStore store = FileTokenStore.open(file)) {
      store.saveToken(user("u@example.com"));
      store.refreshCoordinator().tryAcquire(new RefreshCoordinator.RefreshIdentity("env", "1"), Duration.ofSeconds(5))
          .orElseThrow().close();
    }
    for (String name : new String[] {"sdk_tokens.txt.lock", "sdk_tokens.txt.refresh.lock"}) {
      Path p = dir.resolve(name);
      assertThat(Files.isRegularFile(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)).as(name).isTrue();
      assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(p)))
          .as(name).isEqualTo("rw-------");
    }
  }
}
