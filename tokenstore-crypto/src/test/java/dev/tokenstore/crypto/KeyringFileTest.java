package dev.tokenstore.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tokenstore.ErrorCode;
import dev.tokenstore.TokenstoreException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KeyringFileTest {
  @TempDir Path dir;
  private final Clock clock = Clock.systemUTC();

  private static ErrorCode codeOf(Throwable t) {
    return ((TokenstoreException) t).code();
  }

  @Test
  void createMakesAnOwnerOnlyFileInAnOwnerOnlyFolderAndNeverOverwrites() throws Exception {
    Path path = dir.resolve("new-folder").resolve("tokens.keyring");
    Keyring k = Keyring.generate(clock);
    KeyringFile f = KeyringFile.create(path, k);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(path))).isEqualTo("rw-------");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(path.getParent())))
        .isEqualTo("rwx------");
    assertThat(f.keyring()).isEqualTo(k);
    String before = Files.readString(path);
    assertThatThrownBy(() -> KeyringFile.create(path, Keyring.generate(clock)))
        .satisfies(e -> assertThat(codeOf(e)).isEqualTo(ErrorCode.KEYRING_ERROR))
        .hasMessageContaining("never overwritten");
    assertThat(Files.readString(path)).isEqualTo(before);
  }

  @Test
  void aFileOthersCanReadIsRefusedWithTheFix() throws Exception {
    Path path = dir.resolve("tokens.keyring");
    KeyringFile f = KeyringFile.create(path, Keyring.generate(clock));
    Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-r--r--"));
    assertThatThrownBy(f::keyring)
        .satisfies(e -> assertThat(codeOf(e)).isEqualTo(ErrorCode.KEYRING_ERROR))
        .hasMessageContaining("chmod 600");
  }

  @Test
  void aMissingFileSaysHowToMakeOne() {
    assertThatThrownBy(() -> KeyringFile.at(dir.resolve("none.keyring")).keyring())
        .satisfies(e -> assertThat(codeOf(e)).isEqualTo(ErrorCode.KEYRING_ERROR))
        .hasMessageContaining("keys init");
  }

  @Test
  void anUpdateByAnotherHandleReachesAHandleThatHasReadTheFileBefore() throws Exception {
    Path path = dir.resolve("tokens.keyring");
    KeyringFile reader = KeyringFile.create(path, Keyring.generate(clock));
    Keyring first = reader.keyring();
    Keyring rotated = KeyringFile.at(path).update(k -> k.rotate(clock));
    assertThat(rotated.keys()).hasSize(2);
    assertThat(reader.keyring()).isEqualTo(rotated);
    assertThat(reader.keyring().hasKey(first.primaryKeyId())).isTrue();
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(path))).isEqualTo("rw-------");
    try (var files = Files.list(dir)) {
      assertThat(files.map(p -> p.getFileName().toString()))
          .as("no temp file left").allMatch(n -> n.equals("tokens.keyring") || n.equals("tokens.keyring.lock"));
    }
  }

  @Test
  void aFifoOrAHugeFileIsRefusedWithoutReadingIt() throws Exception {
    Path fifo = dir.resolve("fifo.keyring");
    assertThat(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor()).isZero();
    Files.setPosixFilePermissions(fifo, PosixFilePermissions.fromString("rw-------"));
    assertThatThrownBy(() -> KeyringFile.at(fifo).keyring())
        .satisfies(e -> assertThat(codeOf(e)).isEqualTo(ErrorCode.KEYRING_ERROR))
        .hasMessageContaining("not a regular file");
    Path huge = dir.resolve("huge.keyring");
    Files.write(huge, new byte[KeyringFile.MAX_BYTES + 10]);
    Files.setPosixFilePermissions(huge, PosixFilePermissions.fromString("rw-------"));
    assertThatThrownBy(() -> KeyringFile.at(huge).keyring())
        .satisfies(e -> assertThat(codeOf(e)).isEqualTo(ErrorCode.KEYRING_ERROR))
        .hasMessageContaining("larger than");
  }
}
