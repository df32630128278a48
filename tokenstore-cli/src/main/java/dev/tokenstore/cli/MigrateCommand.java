package dev.tokenstore.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tokenstore.ErrorCode;
import dev.tokenstore.OAuthToken;
import dev.tokenstore.TokenStore;
import dev.tokenstore.TokenstoreException;
import dev.tokenstore.crypto.KeyProvider;
import dev.tokenstore.spi.EntryTable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code tokenstore migrate}: copies every token between two stores, idempotently; into an encrypted store with
 * {@code --keyring}, out of one with {@code --from-keyring} or, to plain text, {@code --decrypt}. Not thread-safe
 * (one per run).
 */
@Command(
    name = "migrate",
    mixinStandardHelpOptions = true,
    description = {
      "Copies every token from one store to another, idempotently.",
      "For example Zoho's sdk_tokens.txt to SQLite or PostgreSQL:",
      "  tokenstore migrate --from file:sdk_tokens.txt --to sqlite:tokens.db",
      "Idempotent: a token already in the target (same id, or same user/client/API domain, or same refresh",
      "token) is updated if it differs and skipped if equal. Ids are kept where the target has them free.",
      "The entries kept beside the tokens (the API keys and console history of 'tokenstore serve') are copied too",
      "(added or replaced; like tokens, nothing is removed from the target).",
      "Prints how many were copied, updated and skipped; a progress bar on stderr on a terminal.",
      "",
      "Encryption: with --keyring the target is written encrypted (the source is read as it is, in plain text):",
      "  tokenstore --keyring keyring.json migrate --from file:sdk_tokens.txt --to sqlite:tokens.db",
      "An encrypted source needs its keyring: --from-keyring SPEC (copied encrypted with --keyring, the same",
      "keyring or another). Plain text comes out only with --decrypt, which reads the source with",
      "--from-keyring, or with --keyring when --from-keyring is not given, and writes the target in plain text:",
      "  tokenstore --keyring keyring.json migrate --decrypt --from sqlite:tokens.db --to file:sdk_tokens.txt",
      "An encrypted source is never written to a plain target without --decrypt."
    })
final class MigrateCommand implements Callable<Integer> {
  /** Tokens per bulk save: one file rewrite or one transaction each, and a progress step between them. */
  private static final int BATCH = 1000;

  @Mixin StoreSession session;

  @Option(names = "--from", paramLabel = "URI", required = true, description = "The store to copy from.")
  String from;

  @Option(names = "--to", paramLabel = "URI", required = true, description = "The store to copy to.")
  String to;

  @Option(names = "--from-keyring", paramLabel = "SPEC",
      description = "The keyring of an encrypted --from store (a keyring file's path, env:NAME or pkcs12:PATH). "
          + "Default: the source is read as it is (a plaintext store; an encrypted one is refused).")
  @Nullable String fromKeyring;

  @Option(names = "--decrypt",
      description = "Write the --to store in plain text (an export, e.g. for Zoho's SDKs): the source is read with "
          + "--from-keyring, else with --keyring.")
  boolean decrypt;

  @Option(names = "--progress", negatable = true,
      description = "Show a progress bar on stderr (default: only when stderr is a terminal).")
  Boolean progress;

  @Override
  public Integer call() {
    String fromUri = StoreSession.expandHome(from);
    String toUri = StoreSession.expandHome(to);
    if (fromUri.equals(toUri)) {
      throw new CliException(ExitCodes.USAGE, "--from and --to name the same store."
          + (session.keyringSpec() != null ? " To encrypt a store in place, use 'tokenstore rekey "
              + "--encrypt-plaintext'." : ""));
    }
    KeyProvider sourceKeys;
    KeyProvider targetKeys;
    if (decrypt) {
      sourceKeys = fromKeyring != null ? Keyrings.provider(fromKeyring, session.options().environment)
          : session.keys();
      if (sourceKeys == null) {
        throw new CliException(ExitCodes.USAGE, "--decrypt needs the keyring of the encrypted source: pass "
            + "--keyring SPEC (or --from-keyring SPEC, or set TOKENSTORE_KEYRING).");
      }
      targetKeys = null;
    } else {
      sourceKeys = fromKeyring == null ? null : Keyrings.provider(fromKeyring, session.options().environment);
      targetKeys = session.keys();
      if (sourceKeys != null && targetKeys == null) {
        throw new CliException(ExitCodes.USAGE, "The source is encrypted (--from-keyring) and the target would be "
            + "written in plain text. Give the target's keyring with --keyring SPEC, or pass --decrypt to write "
            + "it in plain text on purpose.");
      }
    }
    int copied = 0;
    int updated = 0;
    int skipped = 0;
    List<OAuthToken> tokens;
    Map<String, SortedMap<String, String>> entries;
    // the source is read before the target is opened (and perhaps created): a source that cannot be read leaves
    // no empty target behind
    try (TokenStore source = StoreSupport.open(fromUri, sourceKeys)) {
      tokens = read(source, fromUri, sourceKeys != null);
      entries = readEntries(source);
    }
    int entriesCopied = 0;
    try (TokenStore target = StoreSupport.open(toUri, targetKeys)) {
      checkTarget(target, toUri, targetKeys != null);
      ProgressBar p = new ProgressBar(session.err(), ProgressBar.onTerminal(progress) && !tokens.isEmpty());
      // Decide every write first, then save in bulk (TokenStore.saveTokens: one rewrite of a file, one transaction
      // in SQL per batch). Tokens whose id the target already uses get new ids last, after every id kept.
      List<OAuthToken> writes = new ArrayList<>();
      List<OAuthToken> renumbered = new ArrayList<>();
      for (OAuthToken t : tokens) {
        Optional<OAuthToken> existing = match(target, t);
        if (existing.isEmpty()) {
          if (t.id() != null && target.findTokenById(t.id()).isPresent()) {
            renumbered.add(t.toBuilder().id(null).build()); // the id is taken by another token
          } else {
            writes.add(t);
          }
          copied++;
        } else if (sameContent(existing.get(), t)) {
          skipped++;
          p.step(tokens.size());
        } else {
          writes.add(t.toBuilder().id(existing.get().id()).build());
          updated++;
        }
      }
      writes.addAll(renumbered);
      for (int from = 0; from < writes.size(); from += BATCH) {
        List<OAuthToken> batch = writes.subList(from, Math.min(writes.size(), from + BATCH));
        target.saveTokens(batch);
        for (int i = 0; i < batch.size(); i++) {
          p.step(tokens.size());
        }
      }
      p.done();
      entriesCopied = copyEntries(entries, target, toUri);
    }
    if (session.json()) {
      ObjectNode n = StoreSupport.json().createObjectNode();
      n.put("copied", copied);
      n.put("updated", updated);
      n.put("skipped", skipped);
      n.put("entries", entriesCopied);
      n.put("encrypted", targetKeys != null);
      StoreSupport.printJson(session.out(), n);
    } else {
      session.println("Migrated " + (copied + updated + skipped) + " tokens from " + StoreSupport.show(fromUri)
          + " to " + StoreSupport.show(toUri) + ": copied " + copied + ", updated " + updated + ", skipped "
          + skipped + " (unchanged)."
          + (entriesCopied > 0 ? " Copied or updated " + entriesCopied + " entries beside the tokens (API keys, "
              + "console history)." : ""));
      if (targetKeys != null) {
        session.println("The secrets in " + StoreSupport.show(toUri) + " are encrypted with "
            + targetKeys.description() + ".");
      } else if (decrypt) {
        session.println("The secrets in " + StoreSupport.show(toUri) + " are in plain text (--decrypt): keep the "
            + "store private, and delete it when it is no longer needed.");
      }
    }
    return ExitCodes.OK;
  }

  /** Every token of the source; an encrypted source read without its keyring says which option to give. */
  private static List<OAuthToken> read(TokenStore source, String uri, boolean withKeys) {
    try {
      return source.getTokens();
    } catch (TokenstoreException e) {
      if (e.code() == ErrorCode.ENCRYPTED_STORE && !withKeys) {
        throw new CliException("[" + ErrorCode.ENCRYPTED_STORE + "] The source " + StoreSupport.show(uri)
            + " holds encrypted tokens. Give its keyring: --from-keyring SPEC to copy it encrypted (with "
            + "--keyring), or --keyring SPEC --decrypt to write the target in plain text.");
      }
      throw e;
    }
  }

  /** Every entry of the source's {@link EntryTable} (API keys, console history), by kind; empty without one. */
  private static Map<String, SortedMap<String, String>> readEntries(TokenStore source) {
    Map<String, SortedMap<String, String>> out = new TreeMap<>();
    Optional<EntryTable> table = source.capability(EntryTable.class);
    if (table.isPresent()) {
      for (String kind : table.get().kinds()) {
        out.put(kind, table.get().list(kind));
      }
    }
    return out;
  }

  /**
   * Copies {@code entries} into the target's {@link EntryTable}: an entry it lacks is created, one that differs is
   * replaced (the source wins, as for tokens), an equal one is left. Returns how many were written.
   */
  private int copyEntries(Map<String, SortedMap<String, String>> entries, TokenStore target, String uri) {
    if (entries.isEmpty()) {
      return 0;
    }
    Optional<EntryTable> table = target.capability(EntryTable.class);
    if (table.isEmpty()) {
      int count = entries.values().stream().mapToInt(Map::size).sum();
      session.err().println("tokenstore: the target " + StoreSupport.show(uri) + " keeps no entries beside its "
          + "tokens; " + count + " entries of the source (kinds " + String.join(", ", entries.keySet())
          + ": API keys, console history) were not copied.");
      return 0;
    }
    int written = 0;
    for (Map.Entry<String, SortedMap<String, String>> kind : entries.entrySet()) {
      for (Map.Entry<String, String> e : kind.getValue().entrySet()) {
        if (table.get().insert(kind.getKey(), e.getKey(), e.getValue())) {
          written++;
        } else if (!table.get().get(kind.getKey(), e.getKey()).orElse("").equals(e.getValue())) {
          table.get().put(kind.getKey(), e.getKey(), e.getValue());
          written++;
        }
      }
    }
    return written;
  }

  /**
   * The target must be as the copies will be: encrypted records in a target written in plain text, or plain
   * records in a target written encrypted, are refused before anything is written (never a store of both).
   */
  private static void checkTarget(TokenStore target, String uri, boolean withKeys) {
    try {
      target.getTokens();
    } catch (TokenstoreException e) {
      if (e.code() == ErrorCode.ENCRYPTED_STORE && !withKeys) {
        throw new CliException("[" + ErrorCode.ENCRYPTED_STORE + "] The target " + StoreSupport.show(uri)
            + " holds encrypted tokens, and this migration would add plain ones. Give its keyring with --keyring SPEC "
            + "(without --decrypt), or choose another target.");
      }
      if (e.code() == ErrorCode.NOT_ENCRYPTED && withKeys) {
        throw new CliException("[" + ErrorCode.NOT_ENCRYPTED + "] The target " + StoreSupport.show(uri)
            + " holds tokens in plain text, and this migration would add encrypted ones. Migrate into a new store, or "
            + "encrypt the target first: 'tokenstore --keyring SPEC --store " + StoreSupport.show(uri) + " rekey "
            + "--encrypt-plaintext'.");
      }
      throw e;
    }
  }

  /** The target's record for {@code t}: the same id holding the same token, else by the store's matching rules. */
  private static Optional<OAuthToken> match(TokenStore target, OAuthToken t) {
    if (t.id() != null) {
      Optional<OAuthToken> byId = target.findTokenById(t.id());
      if (byId.isPresent() && sameIdentity(byId.get(), t)) {
        return byId;
      }
    }
    OAuthToken query = t.toBuilder().id(null).build();
    if (query.userName() == null && query.refreshToken() == null && query.grantToken() == null) {
      query = OAuthToken.builder().accessToken(t.accessToken()).build();
    }
    return target.findToken(query);
  }

  private static boolean sameIdentity(OAuthToken a, OAuthToken b) {
    if (a.userName() != null || b.userName() != null) {
      return Objects.equals(a.userName(), b.userName()) && Objects.equals(a.clientId(), b.clientId())
          && Objects.equals(a.apiDomain(), b.apiDomain());
    }
    return Objects.equals(a.refreshToken(), b.refreshToken()) && Objects.equals(a.grantToken(), b.grantToken())
        && Objects.equals(a.accessToken(), b.accessToken());
  }

  private static boolean sameContent(OAuthToken a, OAuthToken b) {
    return a.toBuilder().id(null).build().equals(b.toBuilder().id(null).build());
  }
}
