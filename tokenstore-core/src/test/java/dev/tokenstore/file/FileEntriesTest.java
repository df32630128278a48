package dev.tokenstore.file;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tokenstore.ErrorCode;
import dev.tokenstore.OAuthToken;
import dev.tokenstore.StoreException;
import dev.tokenstore.spi.EntryTable;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The file store's entry table on the real file system: the sidecar {@code <name>.entries} (its format, 0600 in a
 * 0700 folder, atomic replacement, temp files), malformed, oversized and planted files (never written, never read
 * through a link), and the tokens left alone. The behaviour every store shares is in the testkit's
 * {@code EntryTableContract}.
 */
class FileEntriesTest {
  private static final String HEADER = EntryFile.HEADER + "\n";

  @TempDir Path dir;

  private Path tokens() {
    return dir.resolve("sdk_tokens.txt");
  }

  private Path entriesFile() {
    return dir.resolve("sdk_tokens.txt.entries");
  }

  private static EntryTable entries(FileTokenStore store) {
    return store.capability(EntryTable.class).orElseThrow();
  }

  private static OAuthToken user(String name) {
    return OAuthToken.builder().userName(name).clientId("1000.CLIENT").clientSecret("client-secret-value")
        .refreshToken("refresh-of-" + name).accessToken("access-of-" + name).build();
  }

  private static String perms(Path p) throws IOException {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS));
  }

  @Test
  void theFirstWriteCreatesTheFolder0700AndTheFile0600WithOneEscapedLinePerEntry() throws IOException {
    Path nested = dir.resolve("new-folder").resolve("sdk_tokens.txt");
    try (FileTokenStore store = FileTokenStore.open(nested)) {
      assertThat(entries(store).list("api-key")).isEmpty();
      assertThat(nested.getParent()).as("reads create nothing").doesNotExist();
      assertThat(entries(store).remove("api-key", "x")).isFalse();
      assertThat(nested.getParent()).as("a remove from nothing creates nothing").doesNotExist();

      entries(store).put("api-key", "b", "line\nbreak, \"quote\" é 🙂");
      entries(store).put("api-key", "a", "plain");
      entries(store).put("audit", "z", "");
    }
    Path file = nested.resolveSibling("sdk_tokens.txt.entries");
    assertThat(perms(nested.getParent())).isEqualTo("rwx------");
    assertThat(perms(file)).isEqualTo("rw-------");
    assertThat(nested).as("entries write no token file").doesNotExist();
    byte[] bytes = Files.readAllBytes(file);
    for (byte b : bytes) {
      assertThat(b).as("the file is printable ASCII and line breaks").matches(c -> c == '\n' || c >= 0x20 && c < 0x7f);
    }
    assertThat(new String(bytes, StandardCharsets.US_ASCII)).isEqualTo(HEADER
        + "{\"kind\":\"api-key\",\"name\":\"a\",\"value\":\"plain\"}\n"
        + "{\"kind\":\"api-key\",\"name\":\"b\",\"value\":\"line\\nbreak, \\\"quote\\\" \\u00E9 \\uD83D\\uDE42\"}\n"
        + "{\"kind\":\"audit\",\"name\":\"z\",\"value\":\"\"}\n");
  }

  @Test
  void surrogatePairsRoundTripAndAHalfPairIsRefusedBeforeAnythingIsWritten() {
    try (FileTokenStore store = FileTokenStore.open(tokens())) {
      entries(store).put("k", "pair \uD83D\uDE42", "value \uD83D\uDE42");
      assertThatThrownBy(() -> entries(store).put("k", "lone \uD83D high", "v"))
          .isInstanceOf(dev.tokenstore.TokenstoreException.class);
      assertThatThrownBy(() -> entries(store).put("k", "n", "lone \uDE42 low"))
          .isInstanceOf(dev.tokenstore.TokenstoreException.class);
    }
    try (FileTokenStore store = FileTokenStore.open(tokens())) {
      assertThat(entries(store).list("k")).containsExactly(Map.entry("pair \uD83D\uDE42", "value \uD83D\uDE42"));
    }
  }

  @Test
  void aHandWrittenFileWithRawUtf8AndCrlfLinesIsRead() throws IOException {
    Files.writeString(entriesFile(), EntryFile.HEADER + "\r\n"
        + "{ \"value\" : \"café 🙂\", \"kind\": \"api-key\", \"name\": \"ключ\" }\r\n"
        + "{\"kind\":\"api-key\",\"name\":\"no final line break\",\"value\":\"v\"}");
    try (FileTokenStore store = FileTokenStore.open(tokens())) {
      assertThat(entries(store).list("api-key"))
          .containsExactly(Map.entry("no final line break", "v"), Map.entry("ключ", "café 🙂"));
      assertThat(entries(store).insert("api-key", "new", "x")).isTrue();
    }
    assertThat(Files.readString(entriesFile())).startsWith(HEADER).contains("\\u043A\\u043B\\u044E\\u0447")
        .doesNotContain("\r");
  }

  static List<String> malformedFiles() {
    return List.of(
        "not the header\n",
        HEADER + "{\"kind\":\"api-key\",\"name\":\"a\",\"value\":\"v\"}\n{\"kind\":\"api-key\",\"name\":\"b\"}\n",
        HEADER + "{\"kind\":\"api-key\",\"name\":\"a\",\"value\":\"v\"}\nnot json at all\n",
        HEADER + "{\"kind\":\"api-key\",\"name\":\"a\",\"value\":\"v\"}\n{\"kind\":\"api-key\",\"name\":\"a\",\"value\":\"w\"}\n",
        HEADER + "{\"kind\":\"api-key\",\"name\":\"a\",\"value\":\"v\"}\n{\"kind\":\"API\",\"name\":\"b\",\"value\":\"w\"}\n",
        HEADER + "{\"kind\":\"api-key\",\"name\":\"a\",\"value\":\"v\"}\n{\"kind\":\"k\",\"name\":\"\\n\",\"value\":\"w\"}\n",
        HEADER + "{\"kind\":\"api-key\",\"name\":\"a\",\"value\":\"v\"}\n{\"kind\":\"k\",\"name\":\"b\",\"value\":7}\n",
        HEADER + "{\"kind\":\"api-key\",\"name\":\"a\",\"value\":\"v\"}\n{\"kind\":\"k\",\"name\":\"b\",\"value\":\"w\",\"x\":\"\"}\n",
        HEADER + "{\"kind\":\"api-key\",\"name\":\"a\",\"value\":\"v\"}\n{\"kind\":\"k\",\"name\":\"b\",\"value\":\"w\"} {}\n",
        HEADER + "{\"kind\":\"api-key\",\"name\":\"a\",\"value\":\"v\"}\n\n{\"kind\":\"k\",\"name\":\"b\",\"value\":\"w\"}\n");
  }

  @Test
  void aMalformedFileIsCorruptStoreByLineAndIsNeverWritten() throws IOException {
    int i = 0;
    for (String content : malformedFiles()) {
      Path tokenFile = dir.resolve("case" + i++ + ".txt");
      Path file = tokenFile.resolveSibling(tokenFile.getFileName() + ".entries");
      Files.writeString(file, content);
      int line = content.startsWith("not the header") ? 1 : 3; // else a good entry on line 2, then a bad line
      try (FileTokenStore store = FileTokenStore.open(tokenFile)) {
        EntryTable e = entries(store);
        for (Runnable op : List.<Runnable>of(() -> e.get("api-key", "a"), () -> e.list("api-key"),
            () -> e.insert("api-key", "new", "x"), () -> e.put("api-key", "a", "x"), () -> e.remove("api-key", "a"))) {
          assertThatThrownBy(op::run).as(content).isInstanceOfSatisfying(StoreException.class, ex -> {
            assertThat(ex.code()).isEqualTo(ErrorCode.CORRUPT_STORE);
            assertThat(ex.getMessage()).contains(file.toString(), "line " + line).doesNotContain("\"v\"");
          });
        }
        store.saveToken(user("u@example.com")); // the tokens do not depend on the entries
        assertThat(store.getTokens()).hasSize(1);
      }
      assertThat(Files.readString(file)).as("the malformed file is left as it was").isEqualTo(content);
    }
  }

  @Test
  void invalidUtf8IsCorruptStoreAtItsLine() throws IOException {
    byte[] bad = (HEADER + "{\"kind\":\"k\",\"name\":\"a\",\"value\":\"v\"}\n{\"kind\":\"k\",\"name\":\"b\",\"value\":\"")
        .getBytes(StandardCharsets.US_ASCII);
    byte[] content = new byte[bad.length + 4];
    System.arraycopy(bad, 0, content, 0, bad.length);
    content[bad.length] = (byte) 0xC3; // a lead byte without its continuation
    content[bad.length + 1] = '"';
    content[bad.length + 2] = '}';
    content[bad.length + 3] = '\n';
    Files.write(entriesFile(), content);
    try (FileTokenStore store = FileTokenStore.open(tokens())) {
      assertThatThrownBy(() -> entries(store).get("k", "a")).isInstanceOfSatisfying(StoreException.class, e -> {
        assertThat(e.code()).isEqualTo(ErrorCode.CORRUPT_STORE);
        assertThat(e.getMessage()).contains("line 3", "UTF-8");
      });
    }
  }

  @Test
  void anOversizedFileIsNotReadAndAWriteOverTheCapIsRefused() throws IOException {
    byte[] big = new byte[EntryFile.MAX_BYTES + 1];
    java.util.Arrays.fill(big, (byte) ' ');
    Files.write(entriesFile(), big);
    try (FileTokenStore store = FileTokenStore.open(tokens())) {
      assertThatThrownBy(() -> entries(store).put("k", "a", "v")).isInstanceOfSatisfying(StoreException.class, e -> {
        assertThat(e.code()).isEqualTo(ErrorCode.CORRUPT_STORE);
        assertThat(e.getMessage()).contains(entriesFile().toString(), String.valueOf(EntryFile.MAX_BYTES));
      });
    }
    assertThat(Files.size(entriesFile())).isEqualTo(EntryFile.MAX_BYTES + 1L);
    Files.delete(entriesFile());

    // Values of 64 Ki characters, each escaped to 6 bytes: 42 of them fit into 16 MiB, 43 do not.
    String value = "é".repeat(EntryTable.MAX_VALUE_CHARS);
    dev.tokenstore.internal.EntryMap full = new dev.tokenstore.internal.EntryMap();
    for (int i = 0; i < 42; i++) {
      full.put("k", "v" + i, value);
    }
    byte[] nearlyFull = EntryFile.format(full, entriesFile());
    Files.write(entriesFile(), nearlyFull);
    try (FileTokenStore store = FileTokenStore.open(tokens())) {
      EntryTable e = entries(store);
      assertThat(e.list("k")).hasSize(42);
      assertThatThrownBy(() -> e.put("k", "v42", value)).isInstanceOfSatisfying(StoreException.class, ex -> {
        assertThat(ex.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT);
        assertThat(ex.getMessage()).contains(entriesFile().toString(), "limit");
      });
      assertThat(e.get("k", "v42")).as("the refused entry is not kept in memory either").isEmpty();
      assertThat(e.list("k")).hasSize(42);
      assertThat(e.remove("k", "v0")).isTrue();
      assertThat(e.insert("k", "v42", value)).as("room again").isTrue();
    }
    assertThat(Files.size(entriesFile())).as("v0 became v42").isEqualTo(nearlyFull.length + 1L)
        .isLessThanOrEqualTo(EntryFile.MAX_BYTES);
  }

  @Test
  void aSymlinkAtTheEntriesFileIsRefusedForReadsAndWritesAndItsTargetIsUntouched() throws IOException {
    Path foreign = Files.writeString(dir.resolve("planted.entries"),
        HEADER + "{\"kind\":\"api-key\",\"name\":\"attacker\",\"value\":\"hash\"}\n");
    Files.createSymbolicLink(entriesFile(), foreign);
    try (FileTokenStore store = FileTokenStore.open(tokens())) {
      for (Runnable op : List.<Runnable>of(() -> entries(store).get("api-key", "attacker"),
          () -> entries(store).put("api-key", "mine", "v"), () -> entries(store).remove("api-key", "attacker"))) {
        assertThatThrownBy(op::run).isInstanceOfSatisfying(StoreException.class, e -> {
          assertThat(e.code()).isEqualTo(ErrorCode.UNSAFE_FILE);
          assertThat(e.getMessage()).contains(entriesFile().toString(), "symbolic link");
        });
      }
    }
    assertThat(Files.readString(foreign)).doesNotContain("mine");
    assertThat(Files.isSymbolicLink(entriesFile())).isTrue();
  }

  @Test
  void aHardLinkedEntriesFileIsRefused() throws IOException {
    Path other = Files.writeString(dir.resolve("other.entries"), HEADER);
    Files.createLink(entriesFile(), other);
    try (FileTokenStore store = FileTokenStore.open(tokens())) {
      assertThatThrownBy(() -> entries(store).put("api-key", "a", "v")).isInstanceOfSatisfying(StoreException.class,
          e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.UNSAFE_FILE);
            assertThat(e.getMessage()).contains("hard link");
          });
    }
    assertThat(Files.readString(other)).isEqualTo(HEADER);
  }

  @Test
  @Timeout(30)
  void aFifoOrFolderAtTheEntriesFileIsRefusedWithoutWaiting() throws Exception {
    Process mkfifo = new ProcessBuilder("mkfifo", entriesFile().toString()).start();
    assertThat(mkfifo.waitFor()).isZero();
    try (FileTokenStore store = FileTokenStore.open(tokens())) {
      assertThatThrownBy(() -> entries(store).get("api-key", "a")).isInstanceOfSatisfying(StoreException.class,
          e -> assertThat(e.code()).isEqualTo(ErrorCode.UNSAFE_FILE));
    }
    Path other = dir.resolve("other.txt");
    Files.createDirectory(dir.resolve("other.txt.entries"));
    try (FileTokenStore store = FileTokenStore.open(other)) {
      assertThatThrownBy(() -> entries(store).list("api-key")).isInstanceOfSatisfying(StoreException.class,
          e -> assertThat(e.code()).isEqualTo(ErrorCode.UNSAFE_FILE));
    }
  }

  @Test
  void aStaleTempFileOfTheEntriesIsListedAndDeletedAtOpen() throws IOException {
    Path stale = Files.writeString(dir.resolve(".sdk_tokens.txt.entries.k3x9.tmp"), HEADER);
    assertThat(FileTokenStore.tempFiles(tokens())).contains(stale);
    try (FileTokenStore store = FileTokenStore.open(tokens())) {
      assertThat(stale).doesNotExist();
      entries(store).put("api-key", "a", "v");
    }
    assertThat(FileTokenStore.tempFiles(tokens())).isEmpty();
  }

  @Test
  void entriesAndTokensLiveInTheirOwnFilesAndZohosFileStaysZohos() throws IOException {
    try (FileTokenStore store = FileTokenStore.open(tokens())) {
      store.saveToken(user("u@example.com"));
      String before = Files.readString(tokens());
      entries(store).put("api-key", "u@example.com", "hash");
      assertThat(Files.readString(tokens())).as("the token file is not rewritten by an entry").isEqualTo(before);
      store.deleteTokens();
      assertThat(entries(store).get("api-key", "u@example.com")).contains("hash");
    }
    assertThat(Files.readString(tokens())).doesNotContain("hash", "api-key");
  }

  @Test
  void aChangeByAnotherStoreOnTheSameFileIsSeen() {
    try (FileTokenStore a = FileTokenStore.open(tokens()); FileTokenStore b = FileTokenStore.open(tokens())) {
      assertThat(entries(a).list("api-key")).isEmpty();
      entries(b).put("api-key", "k", "from b");
      assertThat(entries(a).get("api-key", "k")).contains("from b");
      assertThat(entries(a).insert("api-key", "k", "from a")).isFalse();
      assertThat(entries(a).remove("api-key", "k")).isTrue();
      assertThat(entries(b).get("api-key", "k")).isEmpty();
    }
  }
}
