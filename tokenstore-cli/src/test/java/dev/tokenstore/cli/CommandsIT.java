package dev.tokenstore.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tokenstore.OAuthToken;
import dev.tokenstore.TokenStore;
import dev.tokenstore.TokenStores;
import dev.tokenstore.emulator.AccountsEmulator;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every command but login/exchange/import, run as the real jar in a separate process. */
class CommandsIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final List<String> COMMANDS = List.of("demo", "login", "exchange", "import", "list", "show",
      "access-token", "refresh", "revoke", "delete", "migrate", "keys", "rekey", "doctor", "emulator");

  @TempDir Path home;

  @Test
  void helpVersionAndEachCommandsHelp() throws Exception {
    Jar.Result help = Jar.run(home, "--help");
    assertThat(help.exit()).isZero();
    assertThat(help.out()).contains("Usage: tokenstore", "Exit codes:", "re-authorization required", "--store=URI",
        "TOKENSTORE_CLIENT_ID");
    for (String c : COMMANDS) {
      assertThat(help.out()).contains("  " + c + " ");
    }
    Jar.Result version = Jar.run(home, "--version");
    assertThat(version.exit()).isZero();
    assertThat(version.out()).startsWith("tokenstore 0.");
    for (String c : COMMANDS) {
      Jar.Result r = Jar.run(home, c, "--help");
      assertThat(r.exit()).as(c).isZero();
      assertThat(r.out()).as(c).contains("Usage: tokenstore " + c, "Exit codes:");
      assertThat(r.err()).as(c).isEmpty();
    }
  }

  @Test
  void demoWalksThroughTheLifecycleAndSucceeds() throws Exception {
    Jar.Result r = Jar.run(home, "demo");
    assertThat(r.exit()).as(r.all()).isZero();
    assertThat(r.out()).contains("[1/7] Started the Zoho accounts emulator", "[2/7] Authorized", "PKCE",
        "[3/7] Exchanged", "[4/7] API call", "HTTP 200", "[5/7]", "1 refresh at the server",
        "[6/7] 50 concurrent callers", "the emulator saw 1 refresh", "[7/7] Revoked", "HTTP 401", "Summary",
        "ok (1 shared refresh)");
    assertThat(r.err()).isEmpty();
    assertThat(home.resolve(".tokenstore")).doesNotExist(); // a temporary store, not the user's
  }

  @Test
  void usageErrorsExitWith2() throws Exception {
    Jar.Result unknown = Jar.run(home, "list", "--frob");
    assertThat(unknown.exit()).isEqualTo(2);
    assertThat(unknown.err()).contains("Unknown option: '--frob'");
    assertThat(Jar.run(home).exit()).isEqualTo(2);
    assertThat(Jar.run(home, "show", "--store", "memory:").exit()).isEqualTo(2);
    assertThat(Jar.run(home, "no-such-command").exit()).isEqualTo(2);
    Jar.Result both = Jar.run(home, "--store", "memory:", "delete", "1", "--all");
    assertThat(both.exit()).isEqualTo(2);
  }

  @Test
  void emptyValuesAndImpossiblePortsAreUsageErrors() throws Exception {
    Jar.Result emptyStore = Jar.run(home, "--store", "", "list");
    assertThat(emptyStore.exit()).as(emptyStore.all()).isEqualTo(2);
    assertThat(emptyStore.err()).contains("--store", "empty value");
    assertThat(home.resolve(".tokenstore")).as("no default store was created").doesNotExist();
    assertThat(Jar.run(home, "list", "--store", " ").exit()).isEqualTo(2);

    ProcessBuilder pb = Jar.builder(home, "list");
    pb.environment().put("TOKENSTORE_STORE", "");
    Jar.Result emptyVariable = Jar.finish(pb);
    assertThat(emptyVariable.exit()).as(emptyVariable.all()).isEqualTo(2);
    assertThat(emptyVariable.err()).contains("TOKENSTORE_STORE", "empty");
    assertThat(home.resolve(".tokenstore")).doesNotExist();

    Jar.Result port = Jar.run(home, "emulator", "--port", "70000");
    assertThat(port.exit()).as(port.all()).isEqualTo(2);
    assertThat(port.err()).contains("--port", "65535");
    assertNoStackTrace(port);
    try (java.net.ServerSocket busy = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      Jar.Result taken = Jar.run(home, "emulator", "--port", String.valueOf(busy.getLocalPort()));
      assertThat(taken.exit()).as(taken.all()).isEqualTo(1);
      assertThat(taken.err()).contains("Could not listen on 127.0.0.1:" + busy.getLocalPort(), "Choose another --port")
          .doesNotContain("Exception");
    }
    Jar.Result zero = Jar.run(home, "--timeout", "0s", "--store", "memory:", "list");
    assertThat(zero.exit()).as(zero.all()).isEqualTo(2);
    assertThat(zero.err()).contains("positive duration");
  }

  @Test
  void badStoresGetAClearMessageWithoutStackTrace() throws Exception {
    Jar.Result scheme = Jar.run(home, "--store", "bogus://user:pw@host/db", "list");
    assertThat(scheme.exit()).isEqualTo(1);
    assertThat(scheme.err()).contains("[INVALID_STORE_URI]", "Known schemes:", "sqlite").doesNotContain("pw@");
    assertNoStackTrace(scheme);

    Path bad = home.resolve("sdk_tokens.txt");
    Files.writeString(bad, "this is not,Zoho's token file\n1,2,3\n");
    Jar.Result malformed = Jar.run(home, "--store", "file:" + bad, "list");
    assertThat(malformed.exit()).as(malformed.all()).isEqualTo(1);
    assertThat(malformed.err()).contains("[CORRUPT_STORE]");
    assertNoStackTrace(malformed);

    Path notADirectory = Files.writeString(home.resolve("plain-file"), "x");
    Jar.Result unreachable = Jar.run(home, "--store", "sqlite:" + notADirectory.resolve("tokens.db"), "list");
    assertThat(unreachable.exit()).isEqualTo(1);
    assertThat(unreachable.err()).startsWith("error: [");
    assertNoStackTrace(unreachable);

    Jar.Result verbose = Jar.run(home, "--store", "bogus:x", "list", "--verbose");
    assertThat(verbose.err()).contains("\tat ");
  }

  @Test
  void defaultStoreIsAnSqliteFileInAPrivateFolderOfTheHome() throws Exception {
    Jar.Result r = Jar.run(home, "list");
    assertThat(r.exit()).as(r.all()).isZero();
    assertThat(r.out()).contains("No tokens stored");
    Path dir = home.resolve(".tokenstore");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir))).isEqualTo("rwx------");
    assertThat(dir.resolve("tokens.db")).exists();
  }

  @Test
  void listShowAndDeleteWithoutAndWithConfirmation() throws Exception {
    String store = "sqlite:" + home.resolve("t.db");
    try (TokenStore s = TokenStores.open(store)) {
      s.saveToken(token("ann@example.com", "rt-ANN-secret", "at-ANN-secret"));
      s.saveToken(token("bob@example.com", "rt-BOB-secret", "at-BOB-secret"));
    }
    Jar.Result list = Jar.run(home, "--store", store, "list", "--json");
    assertThat(list.exit()).isZero();
    JsonNode a = JSON.readTree(list.out());
    assertThat(a).hasSize(2);
    assertThat(a.get(0).get("user").asText()).isEqualTo("ann@example.com");
    assertThat(a.get(0).get("status").asText()).isEqualTo("valid");
    assertThat(a.get(0).get("refreshToken").asText()).startsWith("<redacted:");
    Jar.Result table = Jar.run(home, "--store", store, "list");
    assertThat(table.out()).contains("ID", "STATUS", "ann@example.com", "bob@example.com", "valid");
    Jar.Result show = Jar.run(home, "--store", store, "show", "--user", "bob@example.com");
    assertThat(show.out()).contains("bob@example.com", "<redacted:");
    for (Jar.Result r : List.of(list, table, show)) {
      assertThat(r.all()).doesNotContain("rt-ANN-secret", "at-ANN-secret", "rt-BOB-secret", "at-BOB-secret",
          "client-SECRET");
    }
    Jar.Result reveal = Jar.run(home, "--store", store, "show", "--id", "1", "--reveal");
    assertThat(reveal.out()).contains("rt-ANN-secret", "at-ANN-secret", "client-SECRET");

    Jar.Result refusedOne = Jar.run(home, "--store", store, "delete", "1");
    assertThat(refusedOne.exit()).isEqualTo(1);
    assertThat(refusedOne.err()).contains("not a terminal", "--yes");
    Jar.Result refusedAll = Jar.run(home, "--store", store, "delete", "--all");
    assertThat(refusedAll.exit()).isEqualTo(1);
    try (TokenStore s = TokenStores.open(store)) {
      assertThat(s.getTokens()).hasSize(2);
    }
    assertThat(Jar.run(home, "--store", store, "delete", "1", "--yes").out()).contains("Deleted token id 1");
    Jar.Result missing = Jar.run(home, "--store", store, "delete", "1", "--yes");
    assertThat(missing.exit()).isEqualTo(1);
    assertThat(missing.err()).contains("[TOKEN_NOT_FOUND]");
    assertThat(Jar.run(home, "--store", store, "delete", "--all", "--yes").out()).contains("Deleted 1 tokens");
    try (TokenStore s = TokenStores.open(store)) {
      assertThat(s.getTokens()).isEmpty();
    }
  }

  @Test
  void listAndShowEscapeControlAndBidiCharactersOfStoredValuesButJsonKeepsThem() throws Exception {
    String store = "sqlite:" + home.resolve("evil.db");
    String evilUser = "evil\u001b]0;pwned\u0007\u001b[2J@example.com\r\n7  forged@example.com  valid";
    String evilDomain = "https://api.example.com/\u202egnp.exe\u009b31m";
    String id;
    try (TokenStore s = TokenStores.open(store)) {
      id = s.saveToken(token(evilUser, "rt-EVIL\u001b[5m", "at-EVIL").toBuilder().apiDomain(evilDomain).build()).id();
      s.saveToken(token("ok@example.com", "rt-ok", "at-ok"));
    }
    for (String[] command : new String[][] {
        {"--store", store, "list"}, {"--store", store, "list", "--reveal"}, {"--store", store, "show", "--id", id},
        {"--store", store, "show", "--id", id, "--reveal"}}) {
      Jar.Result r = Jar.run(home, command);
      assertThat(r.exit()).as(r.all()).isZero();
      assertThat(r.out()).as(String.join(" ", command))
          .doesNotContain("\u001b", "\u0007", "\r", "\u202e", "\u009b")
          .contains("evil\\u001b]0;pwned\\u0007\\u001b[2J@example.com\\r\\n7  forged@example.com",
              "\\u202egnp.exe\\u009b31m");
    }
    Jar.Result list = Jar.run(home, "--store", store, "list");
    assertThat(list.out().lines()).as("a header and one line per token, no forged row").hasSize(3);
    Jar.Result reveal = Jar.run(home, "--store", store, "show", "--id", id, "--reveal");
    assertThat(reveal.out()).contains("rt-EVIL\\u001b[5m");

    // JSON output keeps the exact values (escaped by JSON itself).
    Jar.Result json = Jar.run(home, "--store", store, "list", "--json");
    assertThat(json.out()).doesNotContain("\u001b", "\r");
    JsonNode a = JSON.readTree(json.out());
    assertThat(a.get(0).get("user").asText()).isEqualTo(evilUser);
    assertThat(a.get(0).get("apiDomain").asText()).isEqualTo(evilDomain);
  }

  @Test
  void migrateFromZohoFileToSqliteIsIdempotent() throws Exception {
    Path file = home.resolve("sdk_tokens.txt");
    try (TokenStore s = TokenStores.open("file:" + file)) {
      for (int i = 0; i < 3; i++) {
        s.saveToken(token("u" + i + "@example.com", "rt-" + i, "at-" + i));
      }
    }
    String to = "sqlite:" + home.resolve("target.db");
    Jar.Result first = Jar.run(home, "migrate", "--from", "file:" + file, "--to", to, "--json");
    assertThat(first.exit()).as(first.all()).isZero();
    JsonNode c1 = JSON.readTree(first.out());
    assertThat(c1.get("copied").asInt()).isEqualTo(3);
    assertThat(c1.get("updated").asInt()).isZero();
    assertThat(c1.get("skipped").asInt()).isZero();

    Jar.Result second = Jar.run(home, "migrate", "--from", "file:" + file, "--to", to, "--progress");
    assertThat(second.exit()).isZero();
    assertThat(second.out()).contains("copied 0, updated 0, skipped 3");
    assertThat(second.err()).contains("100% 3/3");

    try (TokenStore s = TokenStores.open("file:" + file)) {
      s.saveToken(OAuthToken.builder().id("2").accessToken("at-new").build());
    }
    Jar.Result third = Jar.run(home, "migrate", "--from", "file:" + file, "--to", to);
    assertThat(third.out()).contains("copied 0, updated 1, skipped 2");
    try (TokenStore source = TokenStores.open("file:" + file); TokenStore target = TokenStores.open(to)) {
      assertThat(target.getTokens()).isEqualTo(source.getTokens()); // ids kept
    }
    assertThat(first.all() + second.all() + third.all()).doesNotContain("rt-", "at-", "SECRET");
  }

  @Test
  void doctorPassesOnAGoodSetupAndSaysWhatToFixOnABadOne() throws Exception {
    try (AccountsEmulator zoho = AccountsEmulator.builder().start()) {
      String store = "sqlite:" + home.resolve("good.db");
      Jar.Result good = Jar.run(home, "--store", store, "--accounts-url", zoho.baseUrl(), "doctor");
      assertThat(good.exit()).as(good.all()).isZero();
      assertThat(good.out()).contains("OK    store", "OK    permissions", "OK    server", "OK    clock",
          "All checks passed");
    }
    Path file = home.resolve("open.txt");
    try (TokenStore s = TokenStores.open("file:" + file)) {
      s.saveToken(token("x@example.com", "rt-x", "at-x"));
    }
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
    Jar.Result bad = Jar.run(home, "--store", "file:" + file, "--accounts-url", "http://127.0.0.1:1", "doctor");
    assertThat(bad.exit()).isEqualTo(1);
    assertThat(bad.out()).contains("WARN  permissions", "chmod 600 " + file, "FAIL  server", "cannot reach",
        "Some checks failed");
    Jar.Result offline = Jar.run(home, "--store", "bogus:x", "doctor", "--offline", "--json");
    assertThat(offline.exit()).isEqualTo(1);
    JsonNode d = JSON.readTree(offline.out());
    assertThat(d.get("ok").asBoolean()).isFalse();
    assertThat(d.get("checks").get(0).get("message").asText()).contains("INVALID_STORE_URI");
  }

  @Test
  void doctorReportsTempFilesThatKilledWritersLeftWithCopiesOfTheTokens() throws Exception {
    Path dir = Files.createDirectory(home.resolve("files"));
    Path file = dir.resolve("tokens.txt");
    try (TokenStore s = TokenStores.open("file:" + file)) {
      s.saveToken(token("x@example.com", "rt-x-SECRET", "at-x-SECRET"));
    }
    Jar.Result clean = Jar.run(home, "--store", "file:" + file, "doctor", "--offline");
    assertThat(clean.exit()).as(clean.all()).isZero();
    assertThat(clean.out()).contains("OK    temp files");

    // What a writer killed between writing its temp file and renaming it leaves: a full copy of the file.
    Path leftover = dir.resolve(".tokens.txt.8812345678901234567.tmp");
    Files.copy(file, leftover);
    Jar.Result removed = Jar.run(home, "--store", "file:" + file, "doctor", "--offline");
    assertThat(removed.exit()).as(removed.all()).isZero();
    assertThat(removed.out()).contains("WARN  temp files", "deleted 1 temp file", leftover.toString());
    assertThat(leftover).doesNotExist();

    // One that cannot be deleted (here a non-empty folder at such a name) is a failure, with what to do.
    Path stuck = Files.createDirectory(dir.resolve(".tokens.txt.42.tmp"));
    Files.copy(file, stuck.resolve("copy"));
    Jar.Result left = Jar.run(home, "--store", "file:" + file, "doctor", "--offline");
    assertThat(left.exit()).as(left.all()).isEqualTo(1);
    assertThat(left.out()).contains("FAIL  temp files", stuck.toString(), "could not be deleted", "rm -r");
  }

  @Test
  void emulatorRunsInTheForegroundAndPrintsItsUrls() throws Exception {
    try (Jar.Running emu = new Jar.Running(home, "emulator", "--port", "0", "--ttl", "60")) {
      String line = emu.lineStartingWith("accounts server:");
      String base = line.substring("accounts server:".length()).trim();
      assertThat(base).startsWith("http://127.0.0.1:");
      HttpResponse<String> r = HttpClient.newHttpClient().send(
          HttpRequest.newBuilder(URI.create(base + "/crm/v8/users?type=CurrentUser")).GET().build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(401);
      assertThat(emu.process.isAlive()).isTrue();
    }
  }

  static OAuthToken token(String user, String refresh, String access) {
    return OAuthToken.builder().userName(user).clientId("client-1").clientSecret("client-SECRET")
        .refreshToken(refresh).accessToken(access).expiresAt(Instant.now().plus(1, ChronoUnit.HOURS)
            .truncatedTo(ChronoUnit.MILLIS))
        .apiDomain("https://www.zohoapis.com").build();
  }

  static void assertNoStackTrace(Jar.Result r) {
    assertThat(r.all()).doesNotContain("\tat ", "Exception in thread", "Caused by");
  }
}
