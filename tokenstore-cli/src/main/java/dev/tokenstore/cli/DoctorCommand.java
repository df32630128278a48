package dev.tokenstore.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tokenstore.OAuthToken;
import dev.tokenstore.TokenstoreException;
import dev.tokenstore.TokenStore;
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
      "and says what to fix. Exits with 1 if a check fails (warnings do not fail)."
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
      ArrayNode a = StoreSupport.JSON.createArrayNode();
      for (Check c : checks) {
        ObjectNode n = a.addObject();
        n.put("level", c.level.name().toLowerCase(java.util.Locale.ROOT));
        n.put("check", c.name);
        n.put("message", c.message);
      }
      ObjectNode top = StoreSupport.JSON.createObjectNode();
      top.put("ok", !failed);
      top.set("checks", a);
      StoreSupport.printJson(session.out(), top);
    } else {
      for (Check c : checks) {
        session.out().printf("%-5s %-11s %s%n", c.level, c.name, TerminalText.lines(c.message));
      }
      session.println(failed ? "Some checks failed: fix the FAIL lines above." : "All checks passed.");
    }
    return failed ? ExitCodes.FAILURE : ExitCodes.OK;
  }

  private void checkStore() {
    String uri = session.storeUri();
    String shown = StoreSupport.show(uri);
    Path path = localPath(uri);
    Path tokenFile = isFileStore(uri) ? path : null;
    List<Path> tempsBefore = tokenFile == null ? List.of() : tempFiles(tokenFile);
    TokenStore store;
    try {
      store = StoreSupport.open(uri);
    } catch (TokenstoreException e) {
      checks.add(new Check(Level.FAIL, "store", "cannot open " + shown + ": " + coded(e)));
      return;
    }
    try (store) {
      List<OAuthToken> tokens = store.getTokens();
      checks.add(new Check(Level.OK, "store", "opened " + shown + " and read " + tokens.size() + " tokens"));
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
    } catch (TokenstoreException e) {
      checks.add(new Check(Level.FAIL, "store", "opened " + shown + " but cannot read its tokens: " + coded(e)));
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
    return "[" + e.code() + "] " + e.getMessage();
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
