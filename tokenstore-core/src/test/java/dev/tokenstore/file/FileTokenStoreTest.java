package dev.tokenstore.file;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tokenstore.ErrorCode;
import dev.tokenstore.OAuthToken;
import dev.tokenstore.StoreException;
import dev.tokenstore.TokenStore;
import dev.tokenstore.TokenStores;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The file store's own behaviour: files, permissions, change detection, lifecycle, URIs. */
class FileTokenStoreTest {
  @TempDir Path dir;

  static OAuthToken user(String name) {
    return OAuthToken.builder().userName(name).clientId("1000.CLIENT").clientSecret("client-secret-value")
        .refreshToken("refresh-of-" + name).accessToken("access-of-" + name).build();
  }

  @Test
  void createsFileAndFolders0600And0700WithoutTempFiles() throws IOException {
    Path file = dir.resolve("a/b/sdk_tokens.txt");
    try (FileTokenStore store = FileTokenStore.open(file)) {
      assertThat(dir.resolve("a")).as("open creates nothing").doesNotExist();
      store.saveToken(user("u@example.com"));
      store.saveToken(user("v@example.com"));
    }
    assertThat(perms(file)).isEqualTo("rw-------");
    assertThat(perms(dir.resolve("a"))).isEqualTo("rwx------");
    assertThat(perms(dir.resolve("a/b"))).isEqualTo("rwx------");
    assertThat(perms(dir.resolve("a/b/sdk_tokens.txt.lock"))).isEqualTo("rw-------");
    assertThat(FileStoreTestSupport.strayFiles(dir)).isEmpty();
    try (java.util.stream.Stream<Path> s = Files.list(dir.resolve("a/b"))) {
      assertThat(s.map(p -> p.getFileName().toString()))
          .containsExactlyInAnyOrder("sdk_tokens.txt", "sdk_tokens.txt.lock");
    }
  }

  @Test
  void anExistingWorldReadableFileBecomes0600OnWrite() throws IOException {
    Path file = dir.resolve("sdk_tokens.txt");
    Files.writeString(file, ZohoFileFormatTest.JAVA_FIXTURE);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
    try (FileTokenStore store = FileTokenStore.open(file)) {
      store.saveToken(user("new@example.com"));
    }
    assertThat(perms(file)).isEqualTo("rw-------");
  }

  @Test
  void deletingFromAMissingFileCreatesNothing() {
    Path file = dir.resolve("none/sdk_tokens.txt");
    try (FileTokenStore store = FileTokenStore.open(file)) {
      assertThat(store.deleteToken("1")).isFalse();
      store.deleteTokens();
      assertThat(store.getTokens()).isEmpty();
      assertThat(store.findToken(user("u@example.com"))).isEmpty();
    }
    assertThat(dir.resolve("none")).doesNotExist();
  }

  @Test
  void twelveAndMoreTokensGetDistinctNumericIds() {
    Path file = dir.resolve("sdk_tokens.txt");
    Set<String> ids = new HashSet<>();
    try (FileTokenStore store = FileTokenStore.open(file)) {
      for (int i = 0; i < 25; i++) {
        ids.add(store.saveToken(user("user" + i + "@example.com")).id());
      }
      assertThat(ids).hasSize(25).allMatch(id -> id.matches("[1-9][0-9]*"));
      // The eleventh is where Zoho's MAX(id) over text went wrong: it must still be its own record.
      assertThat(store.findToken(OAuthToken.builder().userName("user10@example.com").build()))
          .hasValueSatisfying(t -> assertThat(t.refreshToken()).isEqualTo("refresh-of-user10@example.com"));
      assertThat(store.findToken(OAuthToken.builder().userName("user1@example.com").build()))
          .hasValueSatisfying(t -> assertThat(t.refreshToken()).isEqualTo("refresh-of-user1@example.com"));
    }
    try (FileTokenStore reopened = FileTokenStore.open(file)) {
      assertThat(reopened.getTokens()).hasSize(25).extracting(OAuthToken::id).doesNotHaveDuplicates();
      assertThat(reopened.saveToken(user("late@example.com")).id()).isEqualTo("26");
    }
  }

  @Test
  void theIdOfADeletedRecordIsNotGivenOutAgain() {
    Path file = dir.resolve("sdk_tokens.txt");
    try (FileTokenStore store = FileTokenStore.open(file)) {
      store.saveToken(user("a@example.com"));
      OAuthToken b = store.saveToken(user("b@example.com"));
      assertThat(store.deleteToken(b.id())).isTrue();
    }
    try (FileTokenStore reopened = FileTokenStore.open(file); FileTokenStore other = FileTokenStore.open(file)) {
      assertThat(reopened.saveToken(user("c@example.com")).id()).isEqualTo("3");
      other.deleteTokens();
      assertThat(other.saveToken(user("d@example.com")).id()).isEqualTo("4");
    }
  }

  @Test
  void reopenAfterCloseSeesEverythingAndClosedStoreFails() {
    Path file = dir.resolve("sdk_tokens.txt");
    FileTokenStore store = FileTokenStore.open(file);
    OAuthToken saved = store.saveToken(user("u@example.com"));
    store.close();
    store.close(); // idempotent
    for (Runnable op : List.<Runnable>of(
        () -> store.findToken(user("u@example.com")),
        () -> store.findTokenById("1"),
        store::getTokens,
        () -> store.saveToken(user("v@example.com")),
        () -> store.deleteToken("1"),
        store::deleteTokens)) {
      assertThatThrownBy(op::run).isInstanceOfSatisfying(StoreException.class,
          e -> assertThat(e.code()).isEqualTo(ErrorCode.STORE_CLOSED));
    }
    try (FileTokenStore again = FileTokenStore.open(file)) {
      assertThat(again.findTokenById(saved.id())).contains(saved);
      assertThat(again.deleteToken(saved.id())).isTrue();
      assertThat(again.getTokens()).isEmpty();
    }
  }

  @Test
  void toStringShowsThePathAndNoSecret() throws IOException {
    Path file = dir.resolve("sdk_tokens.txt");
    try (FileTokenStore store = FileTokenStore.open(file)) {
      store.saveToken(user("u@example.com"));
      assertThat(store.toString()).contains(file.toRealPath().toString())
          .doesNotContain("client-secret-value").doesNotContain("refresh-of").doesNotContain("access-of");
    }
  }

  @Test
  void unchangedFileIsNotReparsedAndOwnWritesAreNotReread() {
    Path file = dir.resolve("sdk_tokens.txt");
    try (FileTokenStore store = FileTokenStore.open(file)) {
      for (int i = 0; i < 50; i++) {
        store.saveToken(user("user" + i + "@example.com"));
      }
      long loads = store.loadCount();
      for (int i = 0; i < 1000; i++) {
        assertThat(store.findToken(OAuthToken.builder().userName("user" + (i % 50) + "@example.com").build()))
            .isPresent();
        assertThat(store.findTokenById(String.valueOf(i % 50 + 1))).isPresent();
      }
      assertThat(store.loadCount()).isEqualTo(loads);
    }
  }

  @Test
  void aChangeByAnotherStoreIsSeenByTheNextLookup() {
    Path file = dir.resolve("sdk_tokens.txt");
    try (FileTokenStore a = FileTokenStore.open(file); FileTokenStore b = FileTokenStore.open(file)) {
      OAuthToken query = OAuthToken.builder().userName("u@example.com").build();
      assertThat(a.findToken(query)).isEmpty();
      long loads = a.loadCount();
      OAuthToken saved = b.saveToken(user("u@example.com"));
      assertThat(a.findToken(query)).contains(saved);
      assertThat(a.loadCount()).isEqualTo(loads + 1);
      b.saveToken(OAuthToken.builder().id(saved.id()).accessToken("access-2").build());
      assertThat(a.findTokenById(saved.id()))
          .hasValueSatisfying(t -> assertThat(t.accessToken()).isEqualTo("access-2"));
      // a's next id comes from the file as b left it.
      assertThat(a.saveToken(user("v@example.com")).id()).isEqualTo("2");
      assertThat(b.getTokens()).hasSize(2);
      assertThat(b.deleteToken(saved.id())).isTrue();
      assertThat(a.findToken(query)).isEmpty();
    }
  }

  @Test
  void anInPlaceEditByAnotherProgramIsSeen() throws IOException {
    Path file = dir.resolve("sdk_tokens.txt");
    try (FileTokenStore store = FileTokenStore.open(file)) {
      store.saveToken(user("u@example.com"));
      // Zoho's SDKs truncate and rewrite the file in place (same inode).
      String text = Files.readString(file, UTF_8).replace("access-of-u@example.com", "access-of-u@example.org");
      Files.writeString(file, text, UTF_8);
      assertThat(store.findToken(OAuthToken.builder().userName("u@example.com").build()))
          .hasValueSatisfying(t -> assertThat(t.accessToken()).isEqualTo("access-of-u@example.org"));
      Files.delete(file);
      assertThat(store.getTokens()).isEmpty();
    }
  }

  @Test
  void issueTimesLiveInA0600SidecarAndTheTokenFileKeepsZohosTenColumns() throws IOException {
    Path file = dir.resolve("sdk_tokens.txt");
    Instant expiry = Instant.ofEpochMilli(1_900_000_030_000L);
    Instant issued = Instant.ofEpochMilli(1_900_000_000_000L);
    OAuthToken saved;
    try (FileTokenStore store = FileTokenStore.open(file)) {
      saved = store.saveToken(user("u@example.com").toBuilder().expiresAt(expiry).issuedAt(issued).build());
      store.saveToken(user("v@example.com").toBuilder().expiresAt(expiry).build());
    }
    Path sidecar = dir.resolve("sdk_tokens.txt.issued");
    assertThat(perms(sidecar)).isEqualTo("rw-------");
    assertThat(FileStoreTestSupport.strayFiles(dir)).isEmpty();
    // The token file is exactly what Zoho's SDKs read: the header and ten fields per row.
    List<String> lines = Files.readAllLines(file, UTF_8);
    assertThat(lines.get(0)).isEqualTo(String.join(",", dev.tokenstore.spi.ZohoRecord.COLUMNS));
    assertThat(lines.subList(1, lines.size())).hasSize(2).allSatisfy(l -> assertThat(l.split(",", -1)).hasSize(10));
    assertThat(Files.readString(sidecar, UTF_8)).doesNotContain("access-of").doesNotContain("refresh-of")
        .contains(expiry.toEpochMilli() + "," + issued.toEpochMilli() + "," + saved.id());
    try (FileTokenStore reopened = FileTokenStore.open(file)) {
      assertThat(reopened.findTokenById(saved.id())).contains(saved);
      assertThat(reopened.findToken(OAuthToken.builder().userName("v@example.com").build()).orElseThrow()
          .issuedAt()).isNull();
    }
  }

  @Test
  void aStaleOrDamagedSidecarEntryIsHarmless() throws IOException {
    Path file = dir.resolve("sdk_tokens.txt");
    Instant expiry = Instant.ofEpochMilli(1_900_000_030_000L);
    OAuthToken saved;
    try (FileTokenStore store = FileTokenStore.open(file)) {
      saved = store.saveToken(user("u@example.com").toBuilder().expiresAt(expiry)
          .issuedAt(expiry.minusSeconds(30)).build());
    }
    // Zoho's SDK refreshes the token and rewrites the file in place, knowing nothing of the sidecar.
    Instant zohoExpiry = expiry.plusSeconds(3600);
    String text = Files.readString(file, UTF_8).replace(Long.toString(expiry.toEpochMilli()),
        Long.toString(zohoExpiry.toEpochMilli()));
    Files.writeString(file, text, UTF_8);
    try (FileTokenStore store = FileTokenStore.open(file)) {
      OAuthToken t = store.findTokenById(saved.id()).orElseThrow();
      assertThat(t.expiresAt()).isEqualTo(zohoExpiry);
      assertThat(t.issuedAt()).as("the entry belongs to the old expiry").isNull();
    }
    Files.writeString(dir.resolve("sdk_tokens.txt.issued"), "garbage\nx,y,z\n,,\n" + saved.id() + "\n");
    try (FileTokenStore store = FileTokenStore.open(file)) {
      assertThat(store.findTokenById(saved.id()).orElseThrow().issuedAt()).isNull();
    }
    Files.delete(dir.resolve("sdk_tokens.txt.issued"));
    try (FileTokenStore store = FileTokenStore.open(file)) {
      assertThat(store.findTokenById(saved.id()).orElseThrow().expiresAt()).isEqualTo(zohoExpiry);
    }
  }

  @Test
  void anotherProcessesIssueTimeIsSeenWithItsToken() {
    Path file = dir.resolve("sdk_tokens.txt");
    Instant expiry = Instant.ofEpochMilli(1_900_000_030_000L);
    try (FileTokenStore reader = FileTokenStore.open(file); FileTokenStore writer = FileTokenStore.open(file)) {
      OAuthToken saved = writer.saveToken(user("u@example.com").toBuilder().expiresAt(expiry).build());
      assertThat(reader.findTokenById(saved.id())).contains(saved);
      OAuthToken refreshed = writer.saveToken(OAuthToken.builder().id(saved.id()).accessToken("access-2")
          .expiresAt(expiry.plusSeconds(30)).issuedAt(expiry).build());
      assertThat(reader.findTokenById(saved.id())).contains(refreshed);
      assertThat(refreshed.issuedAt()).isEqualTo(expiry);
    }
  }

  @Test
  void ioFailuresAreStoreUnavailableWithThePath() throws IOException {
    Path blocker = dir.resolve("not-a-folder");
    Files.writeString(blocker, "x");
    Path underAFile = blocker.resolve("sdk_tokens.txt");
    assertThatThrownBy(() -> FileTokenStore.open(underAFile))
        .isInstanceOfSatisfying(StoreException.class, e -> {
          assertThat(e.code()).isEqualTo(ErrorCode.STORE_UNAVAILABLE);
          assertThat(e.getMessage()).contains(underAFile.toString());
        });
    assertThatThrownBy(() -> FileTokenStore.open(dir))
        .isInstanceOfSatisfying(StoreException.class,
            e -> assertThat(e.code()).isEqualTo(ErrorCode.STORE_UNAVAILABLE));

    // The lock file cannot be used (a folder is in its way, which is not a regular file): the write fails with
    // UNSAFE_FILE (see SidecarSafetyTest) and the file is untouched.
    Path file = dir.resolve("sdk_tokens.txt");
    Files.writeString(file, ZohoFileFormatTest.JAVA_FIXTURE);
    Files.createDirectory(dir.resolve("sdk_tokens.txt.lock"));
    Path realFile = file.toRealPath();
    try (FileTokenStore store = FileTokenStore.open(file)) {
      assertThat(store.getTokens()).hasSize(3);
      assertThatThrownBy(() -> store.saveToken(user("u@example.com")))
          .isInstanceOfSatisfying(StoreException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.UNSAFE_FILE);
            assertThat(e.getMessage()).contains(realFile.toString()).contains(".lock")
                .doesNotContain("client-secret-value");
          });
      assertThat(store.getTokens()).hasSize(3);
    }
    assertThat(Files.readString(file)).isEqualTo(ZohoFileFormatTest.JAVA_FIXTURE);
  }

  @Test
  void opensFromEveryUriForm() throws IOException {
    Path real = dir.toRealPath();
    Path file = real.resolve("sdk tokens.txt");
    try (TokenStore s = TokenStores.open("file:" + file)) {
      assertThat(s.capability(FileTokenStore.class)).isPresent();
      s.saveToken(user("u@example.com"));
    }
    for (String uri : List.of("file:" + file, "FILE:" + file, "file://" + file.toUri().getRawPath(),
        "file://localhost" + file.toUri().getRawPath(), file.toUri().toString())) {
      try (TokenStore s = TokenStores.open(uri)) {
        assertThat(s.capability(FileTokenStore.class).orElseThrow().path()).as(uri).isEqualTo(file);
        assertThat(s.getTokens()).as(uri).hasSize(1);
      }
    }
    assertThat(FileStoreProvider.path("file:sdk_tokens.txt")).isEqualTo(Path.of("sdk_tokens.txt"));
    assertThat(FileStoreProvider.path("file:conf/sdk_tokens.txt")).isEqualTo(Path.of("conf/sdk_tokens.txt"));
    assertThat(FileStoreProvider.path("file:/var/lib/x%20y.txt")).isEqualTo(Path.of("/var/lib/x%20y.txt"));
    assertThat(FileStoreProvider.path("file:///var/lib/x%20y.txt")).isEqualTo(Path.of("/var/lib/x y.txt"));
    for (String bad : List.of("file:", "file://", "file:///", "file://other.host/x.txt", "file:x.txt?mode=1",
        "file:///x.txt?a=b", "file://[bad")) {
      assertThatThrownBy(() -> TokenStores.open(bad)).as(bad)
          .isInstanceOfSatisfying(StoreException.class,
              e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_STORE_URI));
    }
  }

  @Test
  void aSymlinkedFileIsWrittenThroughTheLink() throws IOException {
    Path target = dir.resolve("real/sdk_tokens.txt");
    Files.createDirectories(target.getParent());
    Files.writeString(target, ZohoFileFormatTest.JAVA_FIXTURE);
    Path link = Files.createSymbolicLink(dir.resolve("link.txt"), target);
    try (FileTokenStore store = FileTokenStore.open(link)) {
      store.saveToken(user("new@example.com"));
    }
    assertThat(Files.isSymbolicLink(link)).isTrue();
    assertThat(Files.readString(target)).contains("new@example.com");
  }

  private static String perms(Path p) throws IOException {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
  }
}
