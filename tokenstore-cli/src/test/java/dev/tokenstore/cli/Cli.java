package dev.tokenstore.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tokenstore.OAuthToken;
import dev.tokenstore.TokenStore;
import dev.tokenstore.crypto.EncryptedTokenStore;
import dev.tokenstore.crypto.KeyringFile;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Runs the {@code tokenstore} command in this JVM ({@link Main#run(String[], PrintWriter, PrintWriter, Map)}),
 * its stdout and stderr captured and its own environment variables given by the test, and makes the files the
 * encryption tests use. Secrets made here carry the marker {@code SECRET} (see tokenstore-test-output).
 */
final class Cli {
  static final ObjectMapper JSON = new ObjectMapper();

  private Cli() {}

  record Result(int exit, String out, String err) {
    String all() {
      return out + err;
    }

    JsonNode json() {
      try {
        return JSON.readTree(out);
      } catch (IOException e) {
        throw new AssertionError("stdout is not JSON: " + out, e);
      }
    }
  }

  /** Runs {@code args} with no TOKENSTORE_* variable set. */
  static Result run(String... args) {
    return run(Map.of(), args);
  }

  /** Runs {@code args} with {@code environment} as the variables the command reads itself. */
  static Result run(Map<String, String> environment, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exit = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true), environment);
    return new Result(exit, out.toString(), err.toString());
  }

  /** The secrets of {@link #writeZohoCsv}. */
  static final List<String> CSV_SECRETS = List.of("cs-SECRET-ann", "1000.rt-SECRET-ann", "1000.at-SECRET-ann",
      "cs-SECRET-bob", "1000.rt-SECRET-bob", "1000.gt-SECRET-carl");

  /**
   * A plaintext store as Zoho's Java SDK writes it ({@code sdk_tokens.txt}): ann (refresh and access token), bob
   * (refresh token only) and a record without user name that holds only a grant token.
   */
  static Path writeZohoCsv(Path file) throws IOException {
    long expiry = Instant.now().plus(1, ChronoUnit.HOURS).toEpochMilli();
    Files.writeString(file, "id,user_name,client_id,client_secret,refresh_token,access_token,grant_token,"
        + "expiry_time,redirect_url,api_domain\n"
        + "1,ann@example.com,1000.CLIENTA,cs-SECRET-ann,1000.rt-SECRET-ann,1000.at-SECRET-ann,," + expiry
        + ",https://example.com/callback,https://www.zohoapis.com\n"
        + "2,bob@example.com,1000.CLIENTB,cs-SECRET-bob,1000.rt-SECRET-bob,,,,,https://www.zohoapis.eu\n"
        + "3,,1000.CLIENTC,,,,1000.gt-SECRET-carl,,,\n", StandardCharsets.UTF_8);
    return file;
  }

  /** A token for {@code user} with marked secrets. */
  static OAuthToken token(String user) {
    String u = user.substring(0, user.indexOf('@'));
    return OAuthToken.builder().userName(user).clientId("client-1").clientSecret("cs-SECRET-" + u)
        .refreshToken("rt-SECRET-" + u).accessToken("at-SECRET-" + u)
        .expiresAt(Instant.now().plus(1, ChronoUnit.HOURS).truncatedTo(ChronoUnit.MILLIS))
        .apiDomain("https://www.zohoapis.com").build();
  }

  /** Saves {@code tokens} into the store {@code uri}, encrypted with the keyring file {@code keyring}. */
  static void saveEncrypted(String uri, Path keyring, OAuthToken... tokens) {
    try (TokenStore s = EncryptedTokenStore.open(uri, KeyringFile.at(keyring))) {
      for (OAuthToken t : tokens) {
        s.saveToken(t);
      }
    }
  }

  /** Makes the keyring file {@code path} with {@code keys init}; returns the key id it printed. */
  static long init(Path path) {
    Result r = run("--keyring", path.toString(), "keys", "init", "--json");
    assertThat(r.exit()).as(r.all()).isZero();
    return r.json().get("id").asLong();
  }

  /** The key material of a keyring file (the values of its Tink keyset): never to be seen in any output. */
  static List<String> keyMaterial(Path keyring) throws IOException {
    JsonNode file = JSON.readTree(Files.readString(keyring));
    JsonNode keyset = JSON.readTree(file.get("keyset").asText());
    List<String> out = new ArrayList<>();
    keyset.get("key").forEach(k -> out.add(k.get("keyData").get("value").asText()));
    assertThat(out).isNotEmpty().allSatisfy(v -> assertThat(v).hasSizeGreaterThan(40));
    return out;
  }

  /** The bytes of a store's files ({@code name}, and SQLite's {@code name-wal}, {@code name-journal}, ...). */
  static String rawBytes(Path file) throws IOException {
    StringBuilder sb = new StringBuilder();
    try (Stream<Path> s = Files.list(file.toAbsolutePath().getParent())) {
      for (Path p : s.filter(p -> p.getFileName().toString().startsWith(file.getFileName().toString()))
          .sorted().toList()) {
        sb.append(new String(Files.readAllBytes(p), StandardCharsets.ISO_8859_1));
      }
    }
    return sb.toString();
  }
}
