package dev.tokenstore.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tokenstore.ErrorCode;
import dev.tokenstore.TokenstoreException;
import dev.tokenstore.crypto.EncryptedTokenStore;
import dev.tokenstore.crypto.KeyInfo;
import dev.tokenstore.crypto.KeyProvider;
import dev.tokenstore.crypto.Keyring;
import dev.tokenstore.crypto.KeyringFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code tokenstore keys}: makes, rotates, lists and retires the keys of the keyring that encrypts a store
 * ({@code --keyring}). Key material is never printed: keys show as their ids. Not thread-safe (one per run).
 */
@Command(
    name = "keys",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    footer = ExitCodes.FOOTER,
    description = {
      "Makes, rotates, lists and retires the keys that encrypt a store's secrets (--keyring).",
      "  tokenstore --keyring ~/.config/tokenstore/keyring.json keys init",
      "  tokenstore --keyring ~/.config/tokenstore/keyring.json keys rotate",
      "  tokenstore --keyring ~/.config/tokenstore/keyring.json --store sqlite:tokens.db keys list",
      "  tokenstore --keyring ~/.config/tokenstore/keyring.json --store sqlite:tokens.db keys retire 1234567",
      "init, rotate and retire change a keyring file; list reads any keyring (file, env:NAME, pkcs12:PATH)."
    },
    subcommands = {KeysCommand.Init.class, KeysCommand.Rotate.class, KeysCommand.ListKeys.class,
        KeysCommand.Retire.class})
final class KeysCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "Missing subcommand: init, rotate, list or retire "
        + "(see 'tokenstore keys --help').");
  }

  /** A key as JSON: id, created (null when the source does not say), primary. */
  static ObjectNode json(KeyInfo k) {
    ObjectNode n = StoreSupport.json().createObjectNode();
    n.put("id", k.id());
    n.put("created", k.created() == null ? null : k.created().toString());
    n.put("primary", k.primary());
    return n;
  }

  static ArrayNode json(List<KeyInfo> keys) {
    ArrayNode a = StoreSupport.json().createArrayNode();
    keys.forEach(k -> a.add(json(k)));
    return a;
  }

  /** The keys for a message: {@code 123 (primary), 456}. */
  static String ids(Keyring k) {
    return String.join(", ", k.keys().stream().map(Keyrings::describe).toList());
  }

  // ------------------------------------------------------------------------------------------------

  @Command(name = "init", mixinStandardHelpOptions = true,
      description = {
        "Creates the keyring file that --keyring names, with one new key (AES-SIV, made by Google Tink).",
        "The file is created 0600 (missing folders 0700) and never overwritten: records encrypted with its keys",
        "would become unreadable. Prints the new key's id. Keep the file private and back it up apart from the",
        "store: without it, the encrypted tokens cannot be read."
      })
  static final class Init implements Callable<Integer> {
    @Mixin StoreSession session;

    @Override
    public Integer call() {
      Path path = session.requireKeyringFile("keys init").path();
      Keyring keyring = Keyring.generate(Clock.systemUTC());
      KeyringFile file = KeyringFile.create(path, keyring);
      KeyInfo key = keyring.keys().get(0);
      warnIfFolderIsOpen(file.path());
      if (session.json()) {
        ObjectNode n = StoreSupport.json().createObjectNode();
        n.put("keyring", file.path().toString());
        n.put("id", key.id());
        n.put("created", key.created() == null ? null : key.created().toString());
        n.put("primary", true);
        StoreSupport.printJson(session.out(), n);
        return ExitCodes.OK;
      }
      String k = "--keyring " + file.path();
      session.println("Created the keyring " + file.path() + " (0600) with key " + key.id() + " (primary).");
      session.println("Keep it private and back it up apart from the store: without it, the tokens it encrypts "
          + "cannot be read.");
      session.println("Next, encrypt a store: 'tokenstore " + k + " migrate --from URI --to NEW_URI' (a new, "
          + "encrypted copy), or in place: 'tokenstore " + k + " --store URI rekey --encrypt-plaintext'.");
      return ExitCodes.OK;
    }

    /** A folder others can write lets them replace the keyring file: say so (the file itself is 0600). */
    private void warnIfFolderIsOpen(Path file) {
      Path dir = file.getParent();
      if (dir == null) {
        return;
      }
      try {
        Set<PosixFilePermission> perms = Files.getPosixFilePermissions(dir);
        Set<PosixFilePermission> open = EnumSet.copyOf(perms);
        open.retainAll(EnumSet.of(PosixFilePermission.GROUP_WRITE, PosixFilePermission.OTHERS_WRITE));
        if (!open.isEmpty()) {
          session.err().println("warning: the folder " + dir + " is " + PosixFilePermissions.toString(perms)
              + ": other users can replace the keyring file in it. Fix: chmod go-w " + dir);
          session.err().flush();
        }
      } catch (IOException | UnsupportedOperationException e) {
        // no POSIX permissions here: nothing to say
      }
    }
  }

  // ------------------------------------------------------------------------------------------------

  @Command(name = "rotate", mixinStandardHelpOptions = true,
      description = {
        "Adds a new key to the keyring file and makes it the primary key: new writes use it, the older keys",
        "still decrypt. Running processes that use the file pick it up without a restart. Then re-encrypt the",
        "stored tokens ('tokenstore rekey') and retire the old key ('tokenstore keys retire ID')."
      })
  static final class Rotate implements Callable<Integer> {
    @Mixin StoreSession session;

    @Override
    public Integer call() {
      KeyringFile file = session.requireKeyringFile("keys rotate");
      long previous = file.keyring().primaryKeyId(); // a missing or unsafe file fails here, before the lock file
      Keyring next = file.update(k -> k.rotate(Clock.systemUTC()));
      long id = next.primaryKeyId();
      if (session.json()) {
        ObjectNode n = StoreSupport.json().createObjectNode();
        n.put("keyring", file.path().toString());
        n.put("id", id);
        n.put("previous", previous);
        n.set("keys", json(next.keys()));
        StoreSupport.printJson(session.out(), n);
        return ExitCodes.OK;
      }
      String k = "--keyring " + file.path();
      session.println("Added key " + id + " to the keyring " + file.path() + ": it is now the primary key (new "
          + "writes use it; the other keys still decrypt). Keys: " + ids(next) + ".");
      session.println("Next, re-encrypt the stored tokens with it: 'tokenstore " + k + " --store URI rekey', then "
          + "retire the old key: 'tokenstore " + k + " --store URI keys retire " + previous + "'.");
      return ExitCodes.OK;
    }
  }

  // ------------------------------------------------------------------------------------------------

  @Command(name = "list", mixinStandardHelpOptions = true,
      description = {
        "Lists the keyring's keys: id, when made, whether primary; never key material.",
        "With --store (or TOKENSTORE_STORE), also how many records of that store use each key.",
        "--json: an array of {id, created, primary} objects (and records, with a store)."
      })
  static final class ListKeys implements Callable<Integer> {
    @Mixin StoreSession session;

    @Override
    public Integer call() {
      KeyProvider keys = session.requireKeys("keys list");
      Keyring keyring = keys.keyring();
      String uri = session.givenStoreUri();
      EncryptedTokenStore.KeyUsage usage = null;
      if (uri != null) {
        try (EncryptedTokenStore store = session.openEncrypted(uri, keys)) {
          usage = store.keyUsage();
        }
      }
      List<String> notes = uri == null || usage == null ? List.of() : notes(keyring, usage);
      if (session.json()) {
        ArrayNode a = StoreSupport.json().createArrayNode();
        for (KeyInfo k : keyring.keys()) {
          ObjectNode n = json(k);
          if (usage != null) {
            n.put("records", usage.recordsUsing(k.id()));
          }
          a.add(n);
        }
        StoreSupport.printJson(session.out(), a);
        notes.forEach(line -> session.err().println("note: " + TerminalText.lines(line)));
        session.err().flush();
        return ExitCodes.OK;
      }
      List<String[]> rows = new ArrayList<>();
      rows.add(usage == null ? new String[] {"ID", "CREATED", "PRIMARY"}
          : new String[] {"ID", "CREATED", "PRIMARY", "RECORDS"});
      for (KeyInfo k : keyring.keys()) {
        String[] r = {String.valueOf(k.id()),
          k.created() == null ? "-" : k.created().truncatedTo(ChronoUnit.SECONDS).toString(),
          k.primary() ? "yes" : "no", usage == null ? "" : String.valueOf(usage.recordsUsing(k.id()))};
        rows.add(usage == null ? new String[] {r[0], r[1], r[2]} : r);
      }
      session.println("Keys of " + keys.description() + ":");
      StoreSupport.printTable(session.out(), rows);
      if (uri != null && usage != null) {
        session.println("RECORDS: how many of the " + usage.records() + " records of " + StoreSupport.show(uri)
            + " use each key.");
      }
      notes.forEach(session::println);
      return ExitCodes.OK;
    }

    /** What the store's key usage tells beyond the table: records under keys the keyring lacks, plain records. */
    static List<String> notes(Keyring keyring, EncryptedTokenStore.KeyUsage usage) {
      List<String> out = new ArrayList<>();
      for (Map.Entry<Long, Integer> e : usage.recordsByKey().entrySet()) {
        if (!keyring.hasKey(e.getKey())) {
          out.add(e.getValue() + (e.getValue() == 1 ? " record uses" : " records use") + " key " + e.getKey()
              + ", which this keyring does not have: they cannot be read with it ([" + ErrorCode.UNKNOWN_KEY
              + "]).");
        }
      }
      if (usage.plaintextRecords() > 0) {
        out.add(usage.plaintextRecords() + (usage.plaintextRecords() == 1 ? " record keeps" : " records keep")
            + " secrets in plain text: encrypt them with 'tokenstore rekey --encrypt-plaintext'.");
      }
      long stale = keyring.keys().stream().filter(k -> !k.primary() && usage.recordsUsing(k.id()) > 0).count();
      if (stale > 0) {
        out.add("Records use keys other than the primary: re-encrypt them with 'tokenstore rekey'.");
      }
      return out;
    }
  }

  // ------------------------------------------------------------------------------------------------

  @Command(name = "retire", mixinStandardHelpOptions = true,
      description = {
        "Removes key KEY_ID from the keyring file once no record of the store (--store, required) uses it.",
        "Refuses the primary key, and a key that records still use (saying how many: run 'tokenstore rekey'",
        "first). Only the given store is checked: first re-encrypt every other store that shares the keyring."
      })
  static final class Retire implements Callable<Integer> {
    @Mixin StoreSession session;

    @Parameters(paramLabel = "KEY_ID", description = "The id of the key to retire (see 'tokenstore keys list').")
    String keyId;

    @Option(names = "--force", description = "Retire even when the store holds no record at all (a mistyped or new "
        + "store proves nothing about the stores that use the keyring).")
    boolean force;

    @Override
    public Integer call() {
      KeyringFile file = session.requireKeyringFile("keys retire");
      String uri = session.requireGivenStoreUri("keys retire");
      long id = parseKeyId(keyId);
      Keyring keyring = file.keyring();
      if (!keyring.hasKey(id)) {
        throw new CliException(ExitCodes.USAGE, "[" + ErrorCode.INVALID_ARGUMENT + "] The keyring " + file.path()
            + " has no key " + id + "; its keys: " + ids(keyring) + ".");
      }
      if (keyring.primaryKeyId() == id) {
        throw new TokenstoreException(ErrorCode.KEY_IN_USE, "Key " + id + " is the primary key of " + file.path()
            + ": new writes use it. Rotate first ('tokenstore keys rotate'), re-encrypt ('tokenstore rekey'), then "
            + "retire it.");
      }
      Keyring next;
      try (EncryptedTokenStore store = session.openEncrypted(uri, file)) {
        if (!force && store.keyUsage().records() == 0) {
          throw new TokenstoreException(ErrorCode.KEY_IN_USE, "The store " + StoreSupport.show(uri) + " holds no "
              + "record, so it cannot show that key " + id + " is unused: check --store (a mistyped path opens a "
              + "new, empty store). A retired key is gone for good; pass --force to retire it anyway.");
        }
        next = store.retireKey(id, file);
      }
      if (session.json()) {
        ObjectNode n = StoreSupport.json().createObjectNode();
        n.put("keyring", file.path().toString());
        n.put("retired", id);
        n.set("keys", json(next.keys()));
        StoreSupport.printJson(session.out(), n);
        return ExitCodes.OK;
      }
      session.println("Retired key " + id + " from the keyring " + file.path() + ": no record of "
          + StoreSupport.show(uri) + " used it. Keys left: " + ids(next) + ".");
      return ExitCodes.OK;
    }

    private static long parseKeyId(String text) {
      try {
        long id = Long.parseLong(text.strip());
        if (id >= 0 && id <= 0xFFFF_FFFFL) {
          return id;
        }
      } catch (NumberFormatException e) {
        // below
      }
      throw new CliException(ExitCodes.USAGE, "KEY_ID must be a key id as 'tokenstore keys list' shows it (a "
          + "number); got '" + TerminalText.escape(text) + "'.");
    }
  }
}
