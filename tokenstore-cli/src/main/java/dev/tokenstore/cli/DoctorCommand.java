package dev.tokenstore.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tokenstore.ErrorCode;
import dev.tokenstore.OAuthToken;
import dev.tokenstore.TokenstoreException;
import dev.tokenstore.TokenStore;
import dev.tokenstore.crypto.EncryptedTokenStore;
import dev.tokenstore.crypto.KeyInfo;
import dev.tokenstore.crypto.KeyProvider;
import dev.tokenstore.crypto.Keyring;
import dev.tokenstore.file.FileTokenStore;
import dev.tokenstore.oauth.Environment;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code tokenstore doctor}: checks the store, the clock and the accounts server. Not thread-safe (one per run). */
@Command(
    name = "doctor",
    mixinStandardHelpOptions = true,
    description = {
      "Checks the store, the clock and the accounts server, and says what to fix.",
      "The store: opens, reads its tokens, file permissions 0600 for file: and sqlite: paths,",
      "temp files with copies of the tokens left by interrupted saves (file: stores);",
      "the tokens' status, the accounts server (reachable) and the clock (against the server's Date header),",
      "and says what to fix. Exits with 1 if a check fails (warnings do not fail).",
      "Warns loudly when the store keeps secrets in plain text. With --keyring, checks the keyring, its keys",
      "and which keys the records use."
    })
final class DoctorCommand implements Callable<Integer> {
  static final Duration CLOCK_WARN = Duration.ofSeconds(30);
  static final Duration CLOCK_FAIL = Duration.ofMinutes(5);

  @Mixin StoreSession session;

  @Option(names = "--offline", description = "Skip the accounts-server and clock checks.")
  boolean offline;

  enum Level { OK, WARN, FAIL, SKIP }

  record Check(Level level, String name, String message) {}

  private final List<Check> checks = new ArrayList<>();
  /** Records with secrets in plain text, when the store could be read. */
  private int plaintextSecrets;
  /** The WARNING block about them, printed after the checks. */
  private @Nullable String warning;
  /** The store's encryption for --json, when the store could be read. */
  private @Nullable ObjectNode encryption;

  @Override
  public Integer call() {
    checkStore();
    if (offline) {
      checks.add(new Check(Level.SKIP, "server", "skipped (--offline)"));
    } else {
      checkServer();
    }
    boolean failed = checks.stream().anyMatch(c -> c.level == Level.FAIL);
    if (session.json()) {
      ArrayNode a = StoreSupport.json().createArrayNode();
      for (Check c : checks) {
        ObjectNode n = a.addObject();
        n.put("level", c.level.name().toLowerCase(java.util.Locale.ROOT));
        n.put("check", c.name);
        n.put("message", c.message);
      }
      ObjectNode top = StoreSupport.json().createObjectNode();
      top.put("ok", !failed);
      top.put("plaintextSecrets", plaintextSecrets);
      top.set("checks", a);
      if (encryption != null) {
        top.set("encryption", encryption);
      }
      StoreSupport.printJson(session.out(), top);
    } else {
      for (Check c : checks) {
        session.out().printf("%-5s %-11s %s%n", c.level, c.name, TerminalText.lines(c.message));
      }
      if (warning != null) {
        session.println(warning);
      }
      session.println(failed ? "Some checks failed: fix the FAIL lines above." : "All checks passed.");
    }
    return failed ? ExitCodes.FAILURE : ExitCodes.OK;
  }

  private void checkStore() {
    String uri = session.storeUri();
    Path path = localPath(uri);
    Path tokenFile = isFileStore(uri) ? path : null;
    List<Path> tempsBefore = tokenFile == null ? List.of() : tempFiles(tokenFile);
    KeyProvider keys = null;
    boolean keyringRead = true;
    try {
      keys = session.keys();
    } catch (TokenstoreException e) {
      checks.add(new Check(Level.FAIL, "keyring", "cannot use the keyring " + session.keyringSpec() + ": "
          + coded(e)));
      checks.add(new Check(Level.SKIP, "store", "not opened: the keyring cannot be read"));
      keyringRead = false;
    }
    if (keys != null) {
      checkEncryptedStore(uri, keys);
    } else if (keyringRead) {
      checkPlainStore(uri);
    }
    if (tokenFile != null) {
      checkTempFiles(tokenFile, tempsBefore);
    }
    if (path != null && Files.exists(path)) {
      checkPermissions(path, "rw-------", "chmod 600 " + path);
      Path dir = path.toAbsolutePath().getParent();
      if (dir != null) {
        checkPermissions(dir, "rwx------", "chmod 700 " + dir);
      }
    }
  }

  /** The store opened without a keyring: its tokens, and a loud warning when they hold secrets in plain text. */
  private void checkPlainStore(String uri) {
    String shown = StoreSupport.show(uri);
    TokenStore store;
    try {
      store = session.open(uri);
    } catch (TokenstoreException e) {
      checks.add(new Check(Level.FAIL, "store", "cannot open " + shown + ": " + coded(e)));
      return;
    }
    try (store) {
      List<OAuthToken> tokens = store.getTokens();
      checks.add(new Check(Level.OK, "store", "opened " + shown + " and read " + tokens.size() + " tokens"));
      checkTokens(tokens);
      int plain = (int) tokens.stream().filter(DoctorCommand::holdsSecret).count();
      encryption = StoreSupport.json().createObjectNode();
      encryption.putNull("keyring");
      encryption.put("records", tokens.size());
      encryption.put("plaintextRecords", plain);
      notePlaintext(uri, plain, tokens.size());
    } catch (TokenstoreException e) {
      if (e.code() == ErrorCode.ENCRYPTED_STORE) {
        checks.add(new Check(Level.FAIL, "store", "opened " + shown + ", which holds encrypted tokens: run doctor "
            + "with --keyring SPEC (or TOKENSTORE_KEYRING) to check them. " + coded(e)));
      } else {
        checks.add(new Check(Level.FAIL, "store", "opened " + shown + " but cannot read its tokens: " + coded(e)));
      }
    }
  }

  /** The store opened with the keyring: its tokens, the keyring's keys and which of them the records use. */
  private void checkEncryptedStore(String uri, KeyProvider keys) {
    String shown = StoreSupport.show(uri);
    EncryptedTokenStore store;
    try {
      store = session.openEncrypted(uri, keys);
    } catch (TokenstoreException e) {
      checks.add(new Check(Level.FAIL, e.code() == ErrorCode.KEYRING_ERROR ? "keyring" : "store", "cannot open "
          + shown + " with " + keys.description() + ": " + coded(e)));
      return;
    }
    try (store) {
      Keyring keyring = store.keyring();
      EncryptedTokenStore.KeyUsage usage = store.keyUsage();
      List<OAuthToken> tokens = null;
      TokenstoreException unreadable = null;
      try {
        tokens = store.getTokens();
      } catch (TokenstoreException e) {
        unreadable = e;
      }
      if (tokens != null) {
        checks.add(new Check(Level.OK, "store", "opened " + shown + " and read " + tokens.size() + " tokens, "
            + "encrypted"));
      } else {
        checks.add(new Check(Level.FAIL, "store", "opened " + shown + " but cannot read its tokens: "
            + coded(Objects.requireNonNull(unreadable))));
      }
      checks.add(new Check(Level.OK, "keyring", keys.description() + " has " + keyring.keys().size()
          + (keyring.keys().size() == 1 ? " key: " : " keys: ") + KeysCommand.ids(keyring)));
      checkKeyUsage(keyring, usage, uri);
      if (tokens != null) {
        checkTokens(tokens);
      }
      encryption = StoreSupport.json().createObjectNode();
      encryption.put("keyring", keys.description());
      encryption.put("records", usage.records());
      encryption.put("plaintextRecords", usage.plaintextRecords());
      ArrayNode keyNodes = encryption.putArray("keys");
      for (KeyInfo k : keyring.keys()) {
        keyNodes.add(KeysCommand.json(k).put("records", usage.recordsUsing(k.id())));
      }
      ArrayNode unknown = encryption.putArray("unknownKeys");
      usage.recordsByKey().forEach((id, n) -> {
        if (!keyring.hasKey(id)) {
          unknown.addObject().put("id", id).put("records", n);
        }
      });
      notePlaintext(uri, usage.plaintextRecords(), usage.records());
    } catch (TokenstoreException e) {
      checks.add(new Check(Level.FAIL, "store", "opened " + shown + " but cannot read its records: " + coded(e)));
    }
  }

  /** Which keys the records use: keys the keyring lacks fail, records under older keys are worth a rekey. */
  private void checkKeyUsage(Keyring keyring, EncryptedTokenStore.KeyUsage usage, String uri) {
    String k = "'tokenstore --keyring " + session.keyringSpec() + " --store " + StoreSupport.show(uri);
    List<String> unknown = new ArrayList<>();
    usage.recordsByKey().forEach((id, n) -> {
      if (!keyring.hasKey(id)) {
        unknown.add("key " + id + " (" + n + (n == 1 ? " record)" : " records)"));
      }
    });
    if (!unknown.isEmpty()) {
      checks.add(new Check(Level.FAIL, "keys", "records are encrypted with keys this keyring does not have: "
          + String.join(", ", unknown) + ". They cannot be read: use the keyring they were encrypted with ("
          + ErrorCode.UNKNOWN_KEY + ")."));
    }
    List<String> used = new ArrayList<>();
    List<String> older = new ArrayList<>();
    List<Long> idle = new ArrayList<>();
    for (KeyInfo key : keyring.keys()) {
      int n = usage.recordsUsing(key.id());
      used.add(Keyrings.describe(key) + ": " + n);
      if (!key.primary() && n > 0) {
        older.add("key " + key.id() + " (" + n + (n == 1 ? " record)" : " records)"));
      } else if (!key.primary()) {
        idle.add(key.id());
      }
    }
    checks.add(new Check(Level.OK, "keys", "records by key: " + String.join(", ", used)
        + (idle.isEmpty() ? "" : "; no record of this store uses key " + idle.get(0)
            + (idle.size() > 1 ? " (and " + (idle.size() - 1) + " more)" : "") + ": once no other store uses it, "
            + k + " keys retire " + idle.get(0) + "'")));
    if (!older.isEmpty()) {
      checks.add(new Check(Level.WARN, "keys", "records still use older keys: " + String.join(", ", older)
          + ". Re-encrypt them with the primary key: " + k + " rekey', then retire the old keys."));
    }
  }

  /** Tokens that need re-authorization. */
  private void checkTokens(List<OAuthToken> tokens) {
    Instant now = Instant.now();
    List<String> reauth = new ArrayList<>();
    for (OAuthToken t : tokens) {
      if (StoreSupport.status(t, now).equals("needs re-authorization")) {
        reauth.add(TerminalText.escape(t.id())
            + (t.userName() == null ? "" : " (" + TerminalText.escape(t.userName()) + ")"));
      }
    }
    if (!reauth.isEmpty()) {
      checks.add(new Check(Level.WARN, "tokens", reauth.size() + " tokens need re-authorization: "
          + String.join(", ", reauth) + ". Run 'tokenstore login' for those users, or 'tokenstore delete ID'."));
    }
  }

  /** A record that holds a token or a client secret. */
  private static boolean holdsSecret(OAuthToken t) {
    return t.accessToken() != null || t.refreshToken() != null || t.grantToken() != null || t.clientSecret() != null;
  }

  /** The loud warning about secrets kept in plain text, as a check and as the WARNING block after the checks. */
  private void notePlaintext(String uri, int plain, int records) {
    plaintextSecrets = plain;
    if (plain == 0) {
      return;
    }
    String shown = StoreSupport.show(uri);
    checks.add(new Check(Level.WARN, "encryption", plain + " of " + records + " records keep their secrets in "
        + "plain text (see the WARNING below)"));
    String k = "--keyring ~/.config/tokenstore/keyring.json";
    warning = "WARNING: " + plain + " of " + records + (records == 1 ? " record" : " records") + " in " + shown
        + " keep their secrets (tokens, client secrets) in PLAIN TEXT:\n"
        + "anyone who can read the store, a backup or a dump of it can use them. Encrypt them with a keyring:\n"
        + "  tokenstore " + k + " keys init\n"
        + "  tokenstore " + k + " migrate --from " + shown + " --to NEW_URI     (an encrypted copy)\n"
        + "  or in place: tokenstore " + k + " --store " + shown + " rekey --encrypt-plaintext\n"
        + "Keep the keyring apart from the store and its backups. Zoho's SDKs cannot read an encrypted store: "
        + "keep a plaintext store only where they need it.";
  }

  private void checkPermissions(Path p, String wanted, String fix) {
    try {
      Set<PosixFilePermission> perms = Files.getPosixFilePermissions(p);
      Set<PosixFilePermission> others = EnumSet.copyOf(perms);
      others.retainAll(EnumSet.of(PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE,
          PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE,
          PosixFilePermission.OTHERS_EXECUTE));
      String actual = PosixFilePermissions.toString(perms);
      if (others.isEmpty()) {
        checks.add(new Check(Level.OK, "permissions", p + " is " + actual));
      } else {
        checks.add(new Check(Level.WARN, "permissions", p + " is " + actual + ": other users can read tokens. "
            + "Fix: " + fix + " (wanted " + wanted + ")"));
      }
    } catch (UnsupportedOperationException | IOException e) {
      checks.add(new Check(Level.SKIP, "permissions", "cannot read the permissions of " + p));
    }
  }

  /**
   * Temp files of a file store ({@code .<name>.<random>.tmp}, each a copy of every token and client secret): those
   * that writers killed in the middle of a save left, which opening the store deleted, and any still there.
   */
  private void checkTempFiles(Path tokenFile, List<Path> before) {
    List<Path> left = tempFiles(tokenFile);
    List<Path> removed = new ArrayList<>(before);
    removed.removeAll(left);
    if (!removed.isEmpty()) {
      checks.add(new Check(Level.WARN, "temp files", "deleted " + removed.size() + " temp file(s) left next to "
          + tokenFile + " by a writer stopped in the middle of a save (each a copy of every token): "
          + join(removed) + ". Find out what killed it; a copy of such a file elsewhere (backups) holds the tokens too."));
    }
    if (!left.isEmpty()) {
      checks.add(new Check(Level.FAIL, "temp files", left.size() + " temp file(s) next to " + tokenFile
          + " hold a copy of every token and could not be deleted: " + join(left) + ". Unless a program is writing "
          + "the store right now, delete them: rm -r " + join(left)));
    } else if (removed.isEmpty()) {
      checks.add(new Check(Level.OK, "temp files", "no temp file with a copy of the tokens next to " + tokenFile));
    }
  }

  private List<Path> tempFiles(Path tokenFile) {
    try {
      return FileTokenStore.tempFiles(tokenFile);
    } catch (TokenstoreException e) {
      checks.add(new Check(Level.SKIP, "temp files", "cannot list the folder of " + tokenFile + ": " + coded(e)));
      return List.of();
    }
  }

  private static String join(List<Path> paths) {
    return String.join(" ", paths.stream().map(Path::toString).toList());
  }

  private static boolean isFileStore(String uri) {
    return uri.strip().regionMatches(true, 0, "file:", 0, 5);
  }

  /** The file behind a file: or sqlite: URI, or null (memory, server stores). */
  static @Nullable Path localPath(String uri) {
    String u = uri.strip();
    String rest;
    if (u.regionMatches(true, 0, "sqlite:", 0, 7)) {
      rest = u.substring(7);
    } else if (u.regionMatches(true, 0, "jdbc:sqlite:", 0, 12)) {
      rest = u.substring(12);
    } else if (u.regionMatches(true, 0, "file:", 0, 5)) {
      rest = u.substring(5);
      if (rest.startsWith("//")) {
        try {
          return Path.of(URI.create(u));
        } catch (RuntimeException e) {
          return null;
        }
      }
    } else {
      return null;
    }
    int q = rest.indexOf('?');
    if (q >= 0) {
      rest = rest.substring(0, q);
    }
    if (rest.isEmpty() || rest.startsWith(":memory:")) {
      return null;
    }
    try {
      return Path.of(rest);
    } catch (RuntimeException e) {
      return null;
    }
  }

  /** The message with its code, as {@code Main} prints errors: {@code [CODE] message}. */
  private static String coded(TokenstoreException e) {
    return "[" + e.code() + "] " + Main.message(e);
  }

  private void checkServer() {
    Environment env;
    try {
      env = session.environment();
    } catch (TokenstoreException e) {
      checks.add(new Check(Level.FAIL, "server", coded(e)));
      return;
    } catch (CliException e) { // a malformed server URL in the options
      checks.add(new Check(Level.FAIL, "server", String.valueOf(e.getMessage())));
      return;
    }
    URI token = env.tokenUrl();
    URI origin = URI.create(token.getScheme() + "://" + token.getRawAuthority() + "/");
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
        .followRedirects(HttpClient.Redirect.NEVER).build();
    HttpResponse<Void> resp;
    Instant before = Instant.now();
    try {
      resp = http.send(HttpRequest.newBuilder(origin).timeout(Duration.ofSeconds(10)).GET().build(),
          HttpResponse.BodyHandlers.discarding());
    } catch (IOException e) {
      checks.add(new Check(Level.FAIL, "server", "cannot reach the accounts server " + origin + " of " + env.name()
          + " (" + e.getClass().getSimpleName() + "). Check the network, a proxy, or the --dc / --accounts-url / "
          + "--token-url option."));
      checks.add(new Check(Level.SKIP, "clock", "not checked: the server cannot be reached"));
      return;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CliException("Interrupted.");
    }
    Instant after = Instant.now();
    checks.add(new Check(Level.OK, "server", origin + " (" + env.name() + ") answered HTTP " + resp.statusCode()));
    String date = resp.headers().firstValue("Date").orElse(null);
    if (date == null) {
      checks.add(new Check(Level.SKIP, "clock", "the server sent no Date header"));
      return;
    }
    Instant server;
    try {
      server = ZonedDateTime.parse(date, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
    } catch (RuntimeException e) {
      checks.add(new Check(Level.SKIP, "clock", "the server's Date header is malformed"));
      return;
    }
    Instant mid = before.plus(Duration.between(before, after).dividedBy(2));
    Duration skew = Duration.between(server, mid); // Date has one-second resolution
    Duration abs = skew.abs();
    String text = "this machine's clock is " + (abs.getSeconds() < 2 ? "in step with the server"
        : StoreSupport.human(abs) + (skew.isNegative() ? " behind" : " ahead of") + " the server");
    if (abs.compareTo(CLOCK_FAIL) > 0) {
      checks.add(new Check(Level.FAIL, "clock", text + ": tokens would be refreshed too late or too early. "
          + "Fix: synchronise the clock (NTP)."));
    } else if (abs.compareTo(CLOCK_WARN) > 0) {
      checks.add(new Check(Level.WARN, "clock", text + ". Consider synchronising the clock (NTP)."));
    } else {
      checks.add(new Check(Level.OK, "clock", text));
    }
  }
}
