package dev.tokenstore.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenstore.TokenStore;
import dev.tokenstore.TokenStores;
import dev.tokenstore.server.ApiKeys;
import dev.tokenstore.server.ApiScope;
import dev.tokenstore.spi.EntryTable;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tokenstore migrate} copies the entries kept beside the tokens (the API keys and the console history of
 * {@code tokenstore serve}), so that apps keep working against the new store: a key made on the old store
 * authenticates on the new one, an entry changed on the old one since is replaced by the next migration, and a
 * migration with nothing changed writes nothing. Entries are copied, never removed from the target (as tokens).
 */
class MigrateEntriesTest {
  @TempDir Path dir;

  @Test
  void apiKeysAndHistoryMoveWithTheTokens() throws Exception {
    Path csv = Cli.writeZohoCsv(dir.resolve("sdk_tokens.txt"));
    String from = "sqlite:" + dir.resolve("old.db");
    String to = "file:" + dir.resolve("new.csv");
    String key;
    try (TokenStore old = TokenStores.open(from)) {
      try (TokenStore src = TokenStores.open("file:" + csv)) {
        old.saveTokens(src.getTokens());
      }
      key = ApiKeys.of(old).create("portal", ApiScope.READ).key();
      ApiKeys.of(old).create("ops", ApiScope.ADMIN);
      old.capability(EntryTable.class).orElseThrow().put("console.history", "00000001-ab", "{\"action\":\"x\"}");
    }

    Cli.Result first = Cli.run("migrate", "--from", from, "--to", to, "--json");
    assertThat(first.exit()).as(first.all()).isZero();
    assertThat(first.json().get("copied").asInt()).isEqualTo(3);
    assertThat(first.json().get("entries").asInt()).isEqualTo(3);
    try (TokenStore moved = TokenStores.open(to)) {
      assertThat(ApiKeys.of(moved).authenticate(key)).as("the key works on the new store").isPresent();
      assertThat(moved.capability(EntryTable.class).orElseThrow().list("console.history")).hasSize(1);
    }

    try (TokenStore old = TokenStores.open(from)) {
      old.capability(EntryTable.class).orElseThrow().put("console.history", "00000001-ab", "{\"action\":\"y\"}");
    }
    Cli.Result second = Cli.run("migrate", "--from", from, "--to", to);
    assertThat(second.exit()).as(second.all()).isZero();
    assertThat(second.out()).contains("skipped 3", "Copied or updated 1 entries");
    try (TokenStore moved = TokenStores.open(to)) {
      assertThat(moved.capability(EntryTable.class).orElseThrow().get("console.history", "00000001-ab"))
          .contains("{\"action\":\"y\"}");
    }
    Cli.Result list = Cli.run("--store", to, "api-keys", "list");
    assertThat(list.exit()).as(list.all()).isZero();
    assertThat(list.out()).contains("ops", "portal");
    assertThat(first.all() + second.all() + list.all()).doesNotContain(key);

    Cli.Result third = Cli.run("migrate", "--from", from, "--to", to, "--json");
    assertThat(third.json().get("entries").asInt()).as("nothing left to write").isZero();
  }
}
