package dev.tokenstore.it;

import dev.tokenstore.OAuthToken;
import dev.tokenstore.TokenStore;
import dev.tokenstore.TokenStores;
import dev.tokenstore.testservers.ChildJvms;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The writer that {@link CrashKillTest} kills with {@code kill -9}: {@code <store URI> <round> <seed> clear|noclear}. Before
 * {@code READY} it only warms up (loads the classes and the SQLite native library, touches no file of the
 * store); after {@code GO} it opens the store and saves and deletes tokens of the users
 * {@link CrashOps#user(int) crash-u0..9} in a loop until it is killed. Records of other users (a prefill) are
 * never touched.
 *
 * <p>Protocol on standard output, each line flushed at once: {@code OPENED} once the store is open;
 * {@code B <op> <kind> <arg>} before each store call, and {@code A <op> <kind> <arg> <id>} only after the call
 * returned. Kinds: {@code SAVE <user index>} (every field, by user name: insert or update),
 * {@code REFRESH <id>} (a new access token, expiry and issue time, by id), {@code DELETE <id>} and
 * {@code CLEAR -} ({@code deleteTokens}, rare; never with {@code noclear}). The values saved are {@link CrashOps#save} and
 * {@link CrashOps#refresh} of (round, op), so the parent knows them without a secret ever being printed.
 */
public final class CrashWriterChild {
  private CrashWriterChild() {}

  public static void main(String[] args) throws Exception {
    String uri = args[0];
    int round = Integer.parseInt(args[1]);
    Random random = new Random(Long.parseLong(args[2]));
    boolean clear = !args[3].equals("noclear");
    // Every line goes straight to the kernel (one write per line, no buffer in this process), to stdout and to
    // the log file the parent reads after the kill: what was written before SIGKILL is there.
    FileOutputStream log = new FileOutputStream(args[4], true);
    PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8) {
      @Override
      public void println(String line) {
        try {
          log.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        } catch (java.io.IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
        super.println(line);
      }
    };
    // Warm up away from the store: the kill should land on the store's work, not on class loading.
    try (TokenStore warm = TokenStores.open("sqlite::memory:")) {
      warm.saveToken(CrashOps.save(round, -1, 0));
      warm.getTokens();
    }
    ChildJvms.awaitGo();
    try (TokenStore store = TokenStores.open(uri)) {
      Map<Integer, String> ids = new LinkedHashMap<>(); // user index -> id, as this process saw them
      for (OAuthToken t : store.getTokens()) {
        int u = CrashOps.userIndex(t.userName());
        if (u >= 0) {
          ids.put(u, t.id());
        }
      }
      out.println("OPENED");
      for (int op = 0; ; op++) {
        int dice = random.nextInt(100);
        if (dice < 2 && clear) {
          out.println("B " + op + " CLEAR -");
          store.deleteTokens();
          ids.clear();
          out.println("A " + op + " CLEAR - -");
        } else if (ids.size() < 3 || dice < 45) {
          int u = random.nextInt(CrashOps.USERS);
          out.println("B " + op + " SAVE " + u);
          OAuthToken saved = store.saveToken(CrashOps.save(round, op, u));
          ids.put(u, saved.id());
          out.println("A " + op + " SAVE " + u + " " + saved.id());
        } else if (dice < 80) {
          String id = pick(ids, random);
          out.println("B " + op + " REFRESH " + id);
          store.saveToken(CrashOps.refresh(round, op, id));
          out.println("A " + op + " REFRESH " + id + " " + id);
        } else {
          String id = pick(ids, random);
          out.println("B " + op + " DELETE " + id);
          if (!store.deleteToken(id)) {
            throw new AssertionError("deleteToken(" + id + ") found no record");
          }
          ids.values().remove(id);
          out.println("A " + op + " DELETE " + id + " " + id);
        }
      }
    }
  }

  private static String pick(Map<Integer, String> ids, Random random) {
    List<String> all = new ArrayList<>(ids.values());
    return all.get(random.nextInt(all.size()));
  }
}
