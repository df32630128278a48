package dev.tokenstore.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tokenstore.ErrorCode;
import dev.tokenstore.OAuthToken;
import dev.tokenstore.TokenStore;
import dev.tokenstore.TokenStores;
import dev.tokenstore.TokenstoreException;
import dev.tokenstore.crypto.EncryptedTokenStore;
import dev.tokenstore.crypto.KeyProvider;
import dev.tokenstore.spi.EncryptedValues;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code tokenstore rekey}: re-encrypts every record of the store with the keyring's primary key
 * ({@link EncryptedTokenStore#rekey}), online. Not thread-safe (one per run).
 */
@Command(
    name = "rekey",
    mixinStandardHelpOptions = true,
    description = {
      "Re-encrypts every record of the store (--store, required) with the primary key of the keyring",
      "(--keyring, required), after 'tokenstore keys rotate', so that the old key can be retired.",
      "  tokenstore --keyring keyring.json --store sqlite:tokens.db rekey",
      "Runs while other processes keep using the store: each record is re-encrypted with a compare-and-set",
      "save, and one changed meanwhile is read again, so no refresh is lost.",
      "--encrypt-plaintext also encrypts records whose secrets are in plain text (a plaintext store, in place).",
      "Prints the counts at the end (--json too) and a progress bar on stderr on a terminal. Records that",
      "cannot be re-encrypted are left as they are and listed with their error; then the exit code is 1."
    })
final class RekeyCommand implements Callable<Integer> {
  @Mixin StoreSession session;

  @Option(names = "--encrypt-plaintext",
      description = "Also encrypt records whose secrets are in plain text (written without the keyring).")
  boolean encryptPlaintext;

  @Option(names = "--progress", negatable = true,
      description = "Show a progress bar on stderr (default: only when there is a terminal).")
  @Nullable Boolean progress;

  @Override
  public Integer call() {
    KeyProvider keys = session.requireKeys("rekey");
    String uri = session.requireGivenStoreUri("rekey");
    refuseUnsealedRecords(uri);
    EncryptedTokenStore.RekeyReport report;
    long primary;
    ProgressBar bar = new ProgressBar(session.err(), ProgressBar.onTerminal(progress));
    try (EncryptedTokenStore store = session.openEncrypted(uri, keys)) {
      primary = store.keyring().primaryKeyId();
      report = store.rekey(encryptPlaintext, bar::show);
    } finally {
      bar.done();
    }
    Map<ErrorCode, Integer> byCode = new LinkedHashMap<>();
    Map<ErrorCode, String> firstMessage = new LinkedHashMap<>();
    for (TokenstoreException e : report.failed().values()) {
      byCode.merge(e.code(), 1, Integer::sum);
      firstMessage.putIfAbsent(e.code(), String.valueOf(e.getMessage()));
    }
    if (session.json()) {
      ObjectNode n = StoreSupport.json().createObjectNode();
      n.put("records", report.records());
      n.put("reencrypted", report.reencrypted());
      n.put("unchanged", report.unchanged());
      n.put("primaryKey", primary);
      ArrayNode failed = n.putArray("failed");
      for (Map.Entry<String, TokenstoreException> e : failed(report)) {
        ObjectNode f = failed.addObject();
        f.put("id", e.getKey());
        f.put("code", e.getValue().code().name());
      }
      StoreSupport.printJson(session.out(), n);
    } else {
      if (!report.failed().isEmpty()) {
        session.println("Left as they were (" + report.failed().size() + "):");
        failed(report).forEach(e -> session.println("  id " + TerminalText.escape(e.getKey()) + ": ["
            + e.getValue().code() + "]"));
        firstMessage.forEach((code, message) -> session.println("[" + code + "] " + message));
      }
      session.println("Re-encrypted " + report.reencrypted() + " of " + report.records() + " records ("
          + report.unchanged() + " already used the primary key).");
    }
    if (!report.failed().isEmpty()) {
      session.err().println("error: " + report.failed().size() + " of " + report.records() + " records could not "
          + "be re-encrypted" + (byCode.containsKey(ErrorCode.NOT_ENCRYPTED) && !encryptPlaintext
              ? "; " + byCode.get(ErrorCode.NOT_ENCRYPTED) + " keep secrets in plain text: run again with "
                  + "--encrypt-plaintext to encrypt them" : "") + ".");
      session.err().flush();
      return ExitCodes.FAILURE;
    }
    return ExitCodes.OK;
  }

  /**
   * Refuses to run while a record holds encrypted tokens but no seal (its client secret field plain or empty).
   * Such a record was not written with the keyring: someone may have copied another record's encrypted tokens into
   * it and dropped its seal. Every read refuses it, but {@link EncryptedTokenStore#rekey} seals it as it is (also
   * without {@code encryptPlaintext}), which would make the copied tokens readable as this record's. Read from the
   * store as it is, without decrypting anything.
   */
  private static void refuseUnsealedRecords(String uri) {
    List<String> unsealed = new ArrayList<>();
    try (TokenStore plain = TokenStores.open(uri)) {
      for (OAuthToken raw : EncryptedValues.withoutCheck(plain).getTokens()) {
        boolean encryptedToken = EncryptedValues.isEncrypted(raw.accessToken())
            || EncryptedValues.isEncrypted(raw.refreshToken()) || EncryptedValues.isEncrypted(raw.grantToken());
        if (encryptedToken && !EncryptedValues.isEncrypted(raw.clientSecret())) {
          unsealed.add(TerminalText.escape(raw.id()));
        }
      }
    }
    if (!unsealed.isEmpty()) {
      throw new CliException("[" + ErrorCode.RECORD_MISMATCH + "] " + (unsealed.size() == 1 ? "Record " : "Records ")
          + String.join(", ", unsealed) + (unsealed.size() == 1 ? " holds" : " hold")
          + " encrypted tokens without their seal (the client secret field is "
          + "plain text or empty): they were not written with the keyring, and their tokens may have been copied "
          + "from other records. Re-encrypting would seal them as they are, so nothing was re-encrypted. Delete "
          + "them ('tokenstore delete ID') and authorize those users again, or restore them from a backup; then "
          + "run rekey again.");
    }
  }

  /** The records that failed, by id in the order of numbers (shorter first), then of text. */
  private static List<Map.Entry<String, TokenstoreException>> failed(EncryptedTokenStore.RekeyReport report) {
    Comparator<String> ids = Comparator.comparingInt(String::length).thenComparing(Comparator.naturalOrder());
    return report.failed().entrySet().stream().sorted(Map.Entry.comparingByKey(ids)).toList();
  }
}
