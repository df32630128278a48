package dev.tokenstore.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenstore.OAuthToken;
import dev.tokenstore.Secrets;
import dev.tokenstore.TokenStore;
import dev.tokenstore.TokenStores;
import dev.tokenstore.testservers.ChildJvms;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 10, item 7a: writers killed with {@code kill -9} ({@link Process#destroyForcibly()}) at a random moment
 * lose nothing they acknowledged and leave nothing half-written, on the {@code file:} and the {@code sqlite:}
 * store.
 *
 * <p>Each round starts a child JVM ({@link CrashWriterChild}, through {@link ChildJvms}'s start barrier) that
 * opens the store and saves, refreshes and deletes tokens in a loop, acknowledging each operation on its
 * standard output only after the store call returned; the test kills it after a random delay (or, for the large
 * file, in the middle of a save), reopens the store and checks:
 * <ul>
 *   <li>the records are exactly those of every acknowledged operation, applied in order, with or without the one
 *       operation that was begun but not acknowledged: every acknowledged save is there with its exact values
 *       (all eleven fields), every acknowledged delete is gone, no record is partly written or a mix of two
 *       writes, and no user has two records;
 *   <li>the store's folder (created by the store) is 0700 and every file in it 0600, with the store open and
 *       after it was closed;
 *   <li>once the store was opened again, the folder holds only the store's own files (no temp file
 *       {@code .<name>.*.tmp} of a killed writer), a secret appears only in the store's data files, and after
 *       the store is closed no file in the folder holds a secret of a deleted or overwritten record (every file
 *       is searched for {@link CrashOps#SECRET_MARKER}).
 * </ul>
 * A round's outcome becomes the next round's starting state, so later rounds also recover from what earlier
 * kills left. Each round's child JVM is started during the previous round, so a round costs about the random
 * delay plus the check.
 *
 * <p>The writer's acknowledgements are read from a log file it writes line by line (one {@code write} each, so a
 * line written before SIGKILL is in the file), not from its standard output: a killed child's last lines on the
 * pipe were sometimes lost, which looked like operations applied without ever being begun.
 *
 * <p>{@code ./mvnw verify} runs 20 rounds per store and the large-file test (8 rounds). The long run, e.g. 1,000
 * rounds per store: {@code ./mvnw -B -pl tokenstore-it -am verify -Dtest='CrashKillTest'
 * -Dsurefire.failIfNoSpecifiedTests=false -Dcrash.rounds=1000}. {@code -Dcrash.maxDelayMs} (default 300) bounds the random delay, {@code -Dcrash.seed}
 * repeats a run. Each test prints one summary line ({@code crash-test file: rounds=... violations=0}).
 */
class CrashKillTest {
  private static final int ROUNDS = Integer.getInteger("crash.rounds", 20);
  private static final int MAX_DELAY_MS = Integer.getInteger("crash.maxDelayMs", 300);
  private static final long SEED = Long.getLong("crash.seed", System.nanoTime());
  private static final boolean PIPELINE = !"false".equals(System.getProperty("crash.pipeline"));
  private static final Duration START = Duration.ofSeconds(60);
  private static final String RWX = "rwx------";
  private static final String RW = "rw-------";

  @TempDir Path dir;

  @Test
  void fileStoreKeepsEveryAcknowledgedOperationAcrossKills() throws Exception {
    Stats s = run(Target.file(dir.resolve("store").resolve("sdk_tokens.txt")), ROUNDS, false, 0);
    assertThat(s.violations).as(s.summary()).isEmpty();
    assertThat(s.acked).as("acknowledged operations checked").isPositive();
  }

  @Test
  void sqliteStoreKeepsEveryAcknowledgedOperationAcrossKills() throws Exception {
    Stats s = run(Target.sqlite(dir.resolve("store").resolve("tokens.db")), ROUNDS, false, 0);
    assertThat(s.violations).as(s.summary()).isEmpty();
    assertThat(s.acked).as("acknowledged operations checked").isPositive();
  }

  /**
   * A file of 4,000 tokens (about 2 MB: each save writes and fsyncs it all), writers killed while their temp
   * file (a full copy of every secret) exists: the next open removes it.
   */
  @Test
  void writersOfALargeFileKilledMidSaveLeaveNoCopyOfTheSecrets() throws Exception {
    Path file = dir.resolve("store").resolve("sdk_tokens.txt");
    prefill(file, 4000);
    Stats s = run(Target.file(file), 8, true, 4000);
    assertThat(s.violations).as(s.summary()).isEmpty();
    assertThat(s.tempsAtKill).as("kills that left a temp file behind; " + s.summary()).isPositive();
  }

  // --------------------------------------------------------------------------------------------------------

  /** The store under test: its URI, folder, and which files in the folder are its own. */
  private record Target(String kind, Path file, String uri, Set<String> ownFiles, Set<String> dataFiles) {
    static Target file(Path file) {
      String n = file.getFileName().toString();
      return new Target("file", file, "file:" + file,
          Set.of(n, n + ".lock", n + ".issued", n + ".refresh.lock"), Set.of(n));
    }

    static Target sqlite(Path file) {
      String n = file.getFileName().toString();
      return new Target("sqlite", file, "sqlite:" + file,
          Set.of(n, n + "-wal", n + "-shm", n + "-journal"), Set.of(n, n + "-wal", n + "-journal"));
    }

    Path folder() {
      return file.getParent();
    }
  }

  /** The figures of one run. */
  private static final class Stats {
    final String kind;
    final long started = System.nanoTime();
    int rounds;
    int kills;
    int killedBeforeOpen;
    long acked;
    int pendingApplied;
    int pendingNotApplied;
    int tempsAtKill;
    final List<String> violations = new ArrayList<>();

    Stats(String kind) {
      this.kind = kind;
    }

    void violation(int round, String what) {
      if (violations.size() < 50) {
        violations.add("round " + round + ": " + what);
      }
    }

    String summary() {
      return String.format("crash-test %s: rounds=%d kills=%d killedBeforeOpen=%d ackedOpsChecked=%d "
              + "unackedOpApplied=%d unackedOpNotApplied=%d tempFilesAtKill=%d violations=%d time=%.1fs seed=%d",
          kind, rounds, kills, killedBeforeOpen, acked, pendingApplied, pendingNotApplied, tempsAtKill,
          violations.size(), (System.nanoTime() - started) / 1e9, SEED);
    }
  }

  private Stats run(Target target, int rounds, boolean killMidSave, int prefilled) throws Exception {
    Stats stats = new Stats(target.kind() + (prefilled > 0 ? "-" + prefilled : ""));
    Random random = new Random(SEED ^ target.kind().hashCode() ^ prefilled);
    Map<String, OAuthToken> model = new TreeMap<>(); // id -> record: the state the store must be in
    if (prefilled > 0) {
      try (TokenStore store = TokenStores.open(target.uri())) {
        store.getTokens().forEach(t -> model.put(Objects.requireNonNull(t.id()), t));
      }
      assertThat(model).hasSize(prefilled);
    }
    ChildJvms next = startChild(target, 0, random.nextLong(), prefilled > 0);
    try {
      for (int round = 0; round < rounds; round++) {
        ChildJvms current = next;
        next = null;
        try (ChildJvms c = current) {
          c.startTogether(START);
          if (round + 1 < rounds && PIPELINE) {
            next = startChild(target, round + 1, random.nextLong(), prefilled > 0); // boots while this one works
          }
          if (killMidSave) {
            ChildJvms.Child w = c.get(0);
            c.waitUntil("the writer is in the middle of a save", START,
                () -> w.saw("OPENED") && !temps(target).isEmpty());
            Thread.sleep(random.nextInt(3));
          } else {
            Thread.sleep(random.nextInt(MAX_DELAY_MS + 1));
          }
          ChildJvms.Child child = c.get(0);
          if (!child.process().isAlive()) {
            stats.violation(round, "the writer ended before it was killed.\n" + child.describe());
            return stats;
          }
          child.kill(); // destroyForcibly: SIGKILL, no shutdown hooks, no finally blocks
          stats.kills++;
          child.output(); // waits for the last lines of the killed process
          if (!temps(target).isEmpty()) {
            stats.tempsAtKill++;
          }
          if (!child.errorLines().isEmpty()) {
            stats.violation(round, "the writer wrote to standard error:\n" + String.join("\n", child.errorLines()));
          }
          check(target, round, Files.readAllLines(log(target, round), StandardCharsets.UTF_8), model, stats);
        }
        if (!PIPELINE && round + 1 < rounds) {
          next = startChild(target, round + 1, random.nextLong(), prefilled > 0);
        }
        stats.rounds++;
      }
    } finally {
      if (next != null) {
        next.close();
      }
      System.out.println(stats.summary());
    }
    return stats;
  }

  private ChildJvms startChild(Target target, int round, long seed, boolean noClear) {
    return ChildJvms.start(CrashWriterChild.class, 1, i -> List.of(target.uri(), String.valueOf(round),
        String.valueOf(seed), noClear ? "noclear" : "clear", log(target, round).toString()));
  }

  /** The writer's log of round {@code round}: the lines it wrote, each with one write, read after the kill. */
  private Path log(Target target, int round) {
    return dir.resolve("writer-" + target.kind() + "-" + round + ".log");
  }

  /** Replays the writer's acknowledged operations on {@code model}, then compares the reopened store with it. */
  private static void check(Target target, int round, List<String> lines, Map<String, OAuthToken> model,
      Stats stats) throws IOException {
    String[] pending = null;
    boolean opened = false;
    for (String line : lines) {
      if (line.equals("OPENED")) {
        opened = true;
        continue;
      }
      String[] f = line.split(" ");
      if (f[0].equals("B")) {
        pending = f;
      } else if (f[0].equals("A")) {
        if (pending == null || !pending[1].equals(f[1])) {
          stats.violation(round, "acknowledgement without a begin: " + line);
          continue;
        }
        apply(round, f, f[4], model);
        stats.acked++;
        pending = null;
      }
    }
    if (!opened) {
      stats.killedBeforeOpen++;
    }

    Map<String, OAuthToken> actual = new TreeMap<>();
    try (TokenStore store = TokenStores.open(target.uri())) {
      for (OAuthToken t : store.getTokens()) {
        if (actual.put(Objects.requireNonNull(t.id()), t) != null) {
          stats.violation(round, "two records with id " + t.id());
        }
      }
      checkModes(target, round, stats, "with the store open again");
      checkOwnFilesOnly(target, round, stats);
    }
    checkModes(target, round, stats, "after the store was closed");
    checkNothingOpen(target, round, stats);

    if (actual.equals(model)) {
      if (pending != null) {
        stats.pendingNotApplied++;
      }
    } else if (pending != null && matchesWith(round, pending, model, actual)) {
      stats.pendingApplied++;
    } else {
      stats.violation(round, "the store does not hold what was acknowledged"
          + (pending == null ? "" : " (with or without the unacknowledged " + pending[2] + " " + pending[3] + ")")
          + ": " + diff(model, actual) + "\n  the writer's last lines:\n    "
          + String.join("\n    ", lines.subList(Math.max(0, lines.size() - 40), lines.size())));
    }
    Map<String, Integer> perUser = new HashMap<>();
    for (OAuthToken t : actual.values()) {
      if (perUser.merge(t.userName() + "|" + t.clientId() + "|" + t.apiDomain(), 1, Integer::sum) == 2) {
        stats.violation(round, "two records of user " + t.userName());
      }
    }
    model.clear();
    model.putAll(actual);
    checkNoStraySecret(target, round, actual.values(), stats);
  }

  /** Applies operation {@code f} ({@code A|B op kind arg ...}) to {@code model}; {@code newId} for an insert. */
  private static void apply(int round, String[] f, String newId, Map<String, OAuthToken> model) {
    int op = Integer.parseInt(f[1]);
    switch (f[2]) {
      case "SAVE" -> {
        OAuthToken values = CrashOps.save(round, op, Integer.parseInt(f[3]));
        OAuthToken before = model.values().stream()
            .filter(t -> Objects.equals(t.userName(), values.userName())
                && Objects.equals(t.clientId(), values.clientId()))
            .findFirst().orElse(null);
        String id = before != null ? before.id() : newId;
        model.put(id, values.toBuilder().id(id).build());
      }
      case "REFRESH" -> {
        OAuthToken r = CrashOps.refresh(round, op, f[3]);
        OAuthToken before = model.get(f[3]);
        if (before != null) {
          model.put(f[3], before.toBuilder().accessToken(r.accessToken()).expiresAt(r.expiresAt())
              .issuedAt(r.issuedAt()).build());
        }
      }
      case "DELETE" -> model.remove(f[3]);
      case "CLEAR" -> model.clear();
      default -> throw new AssertionError("unknown operation " + String.join(" ", f));
    }
  }

  /** Whether {@code actual} is {@code model} with the begun operation {@code pending} applied. */
  private static boolean matchesWith(int round, String[] pending, Map<String, OAuthToken> model,
      Map<String, OAuthToken> actual) {
    Map<String, OAuthToken> with = new TreeMap<>(model);
    String newId = "?";
    if (pending[2].equals("SAVE")) {
      // An insert's id is whichever one the store gave: the one id in the store that the model lacks.
      Set<String> extra = new HashSet<>(actual.keySet());
      extra.removeAll(model.keySet());
      if (extra.size() == 1) {
        newId = extra.iterator().next();
      }
    }
    apply(round, pending, newId, with);
    return with.equals(actual);
  }

  /** Which records differ and in which fields (names and fingerprints only, never a secret). */
  private static String diff(Map<String, OAuthToken> expected, Map<String, OAuthToken> actual) {
    StringBuilder sb = new StringBuilder();
    Set<String> ids = new HashSet<>(expected.keySet());
    ids.addAll(actual.keySet());
    for (String id : ids.stream().sorted().toList()) {
      OAuthToken e = expected.get(id);
      OAuthToken a = actual.get(id);
      if (e == null) {
        sb.append("\n  unexpected record ").append(a);
      } else if (a == null) {
        sb.append("\n  missing record ").append(e);
      } else if (!e.equals(a)) {
        sb.append("\n  record ").append(id).append(" differs in");
        fields(e).forEach((name, value) -> {
          if (!Objects.equals(value, fields(a).get(name))) {
            sb.append(' ').append(name);
          }
        });
        sb.append(": expected ").append(e).append(", found ").append(a);
      }
    }
    return sb.toString();
  }

  private static Map<String, Object> fields(OAuthToken t) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("userName", String.valueOf(t.userName()));
    m.put("clientId", String.valueOf(t.clientId()));
    m.put("clientSecret", String.valueOf(t.clientSecret()));
    m.put("refreshToken", String.valueOf(t.refreshToken()));
    m.put("accessToken", String.valueOf(t.accessToken()));
    m.put("grantToken", String.valueOf(t.grantToken()));
    m.put("expiresAt", String.valueOf(t.expiresAt()));
    m.put("redirectUrl", String.valueOf(t.redirectUrl()));
    m.put("apiDomain", String.valueOf(t.apiDomain()));
    m.put("issuedAt", String.valueOf(t.issuedAt()));
    return m;
  }

  /** After close: this process has no file of the folder open any more (Linux: /proc/self/fd). */
  private static void checkNothingOpen(Target target, int round, Stats stats) throws IOException {
    Path fds = Path.of("/proc/self/fd");
    if (!Files.isDirectory(fds)) {
      return;
    }
    for (Path fd : list(fds)) {
      try {
        Path to = Files.readSymbolicLink(fd);
        if (to.startsWith(target.folder())) {
          stats.violation(round, "the closed store still has " + to.getFileName() + " open");
        }
      } catch (IOException gone) {
        // closed meanwhile
      }
    }
  }

  /** The folder the store created is 0700 and every file in it 0600. */
  private static void checkModes(Target target, int round, Stats stats, String when) throws IOException {
    Path folder = target.folder();
    if (!Files.isDirectory(folder)) {
      return; // the writer was killed before it created anything
    }
    String mode = PosixFilePermissions.toString(Files.getPosixFilePermissions(folder, LinkOption.NOFOLLOW_LINKS));
    if (!mode.equals(RWX)) {
      stats.violation(round, "the folder " + folder + " is " + mode + " " + when);
    }
    for (Path p : list(folder)) {
      if (!Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
        stats.violation(round, p.getFileName() + " is not a regular file " + when);
        continue;
      }
      String m;
      try {
        m = PosixFilePermissions.toString(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS));
      } catch (java.nio.file.NoSuchFileException gone) {
        continue; // e.g. -shm removed by the last close meanwhile
      }
      if (!m.equals(RW)) {
        stats.violation(round, p.getFileName() + " is " + m + " " + when);
      }
    }
  }

  /**
   * With the store open again: no file but the store's own. (Names and attributes only: reading a file that
   * SQLite has open would close a descriptor of it in this process, which drops SQLite's POSIX locks.)
   */
  private static void checkOwnFilesOnly(Target target, int round, Stats stats) throws IOException {
    for (Path p : list(target.folder())) {
      String name = p.getFileName().toString();
      if (!target.ownFiles().contains(name)) {
        stats.violation(round, "a stray file " + name + " is left after the store was opened again");
      }
    }
  }

  /**
   * After the store was closed: every secret in every file of the folder is one of a record in the store, and
   * nothing else holds the marker (no torn or partial secret).
   */
  private static void checkNoStraySecret(Target target, int round, java.util.Collection<OAuthToken> records,
      Stats stats) throws IOException {
    Set<String> live = new HashSet<>();
    for (OAuthToken t : records) {
      Stream.of(t.clientSecret(), t.refreshToken(), t.accessToken()).filter(Objects::nonNull).forEach(live::add);
    }
    for (Path p : list(target.folder())) {
      String name = p.getFileName().toString();
      String text = new String(Files.readAllBytes(p), StandardCharsets.ISO_8859_1);
      if (!target.dataFiles().contains(name) && text.contains(CrashOps.SECRET_MARKER)) {
        stats.violation(round, name + " holds " + count(text, CrashOps.SECRET_MARKER) + " secret markers");
      }
      Matcher m = CrashOps.SECRET.matcher(text);
      int whole = 0;
      while (m.find()) {
        whole++;
        if (!live.contains(m.group())) {
          stats.violation(round, p.getFileName() + " at byte " + m.start() + " holds "
              + Secrets.redact(m.group()) + ", a secret of a deleted or overwritten record");
        }
      }
      int markers = count(text, CrashOps.SECRET_MARKER);
      if (markers != whole) {
        stats.violation(round, p.getFileName() + " holds " + (markers - whole) + " partial secrets");
      }
    }
  }

  private static int count(String text, String what) {
    int n = 0;
    for (int i = text.indexOf(what); i >= 0; i = text.indexOf(what, i + 1)) {
      n++;
    }
    return n;
  }

  private static List<Path> list(Path folder) throws IOException {
    if (!Files.isDirectory(folder)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(folder)) {
      return s.sorted().toList();
    }
  }

  private static List<Path> temps(Target target) {
    try {
      return list(target.folder()).stream().filter(p -> p.getFileName().toString().endsWith(".tmp")).toList();
    } catch (IOException e) {
      return List.of();
    }
  }

  /** A token file of {@code count} tokens of other users (ids 1..count), written at once as Zoho's SDK would. */
  private static void prefill(Path file, int count) throws IOException {
    Files.createDirectories(file.getParent(), PosixFilePermissions.asFileAttribute(
        PosixFilePermissions.fromString(RWX)));
    StringBuilder sb = new StringBuilder(
        "id,user_name,client_id,client_secret,refresh_token,access_token,grant_token,expiry_time,redirect_url,"
            + "api_domain\n");
    long expiry = Instant.parse("2031-01-01T00:00:00Z").toEpochMilli();
    for (int i = 1; i <= count; i++) {
      sb.append(i).append(",bg-user").append(i).append("@example.com,1000.BG,")
          .append(CrashOps.secret("cs", -1, i)).append(',')
          .append(CrashOps.secret("rt", -1, i)).append(',')
          .append(CrashOps.secret("at", -1, i)).append(",,")
          .append(expiry + i).append(",https://app.example.com/cb?").append("p".repeat(250))
          .append(",https://www.zohoapis.eu\n");
    }
    Files.writeString(file, sb, StandardCharsets.UTF_8);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(RW));
  }
}
