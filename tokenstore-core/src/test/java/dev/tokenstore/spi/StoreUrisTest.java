package dev.tokenstore.spi;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class StoreUrisTest {
  @Test
  void masksPasswordsInUserInfoAndQuery() {
    assertThat(StoreUris.mask("mysql://root:hunter2@db:3306/zohooauth?table=t"))
        .isEqualTo("mysql://root:***@db:3306/zohooauth?table=t");
    assertThat(StoreUris.mask("jdbc:postgresql://db/x?user=u&password=hunter2&ssl=true"))
        .isEqualTo("jdbc:postgresql://db/x?user=u&password=***&ssl=true");
    assertThat(StoreUris.mask("redis://:hunter2@localhost:6379/0")).isEqualTo("redis://:***@localhost:6379/0");
    assertThat(StoreUris.mask("sqlite:/tmp/a.db")).isEqualTo("sqlite:/tmp/a.db");
  }

  /** Passwords a user forgot to percent-encode: the characters that end an authority must not end the mask. */
  @ParameterizedTest
  @ValueSource(strings = {
    "postgres://user:se/cret@127.0.0.1:1/db",
    "postgres://user:p@ss@127.0.0.1:1/db",
    "mysql://user:pa?ss@127.0.0.1:1/db",
    "redis://:to#ken@127.0.0.1:6379",
    "mariadb://user:a:b@host/db?table=t"
  })
  void masksUnencodedPasswordsWhole(String uri) {
    String masked = StoreUris.mask(uri);
    String password = uri.substring(uri.indexOf(':', uri.indexOf("//")) + 1, uri.lastIndexOf('@'));
    assertThat(masked).containsAnyOf("***@127.0.0.1", "***@host").doesNotContain(password);
    for (String part : password.split("[/?#@:]")) {
      if (part.length() > 1) {
        assertThat(masked).doesNotContain(part + "@").doesNotContain(":" + part);
      }
    }
  }

  @Test
  void masksPasswordsThatTheOtherRuleWouldHide() {
    // Found by fuzzing: a parameter name with '@' (user info masked up to it), a parameter value with '//'.
    assertThat(StoreUris.mask("file:x//:y?password@z=Hunter2Secret")).doesNotContain("Hunter2Secret");
    assertThat(StoreUris.mask("filek@t?password=x://ad)#/r:Hunter2Secret@host"))
        .doesNotContain("Hunter2Secret");
    assertThat(StoreUris.mask("mysql://app:Hunter2Secret@db/x?password=Other9Secret"))
        .isEqualTo("mysql://app:***@db/x?password=***");
  }

  @Test
  void invalidMasksThePasswordInTheProblemToo() {
    // Found by a seed of the fuzz test: the file provider quoted the whole authority, password and all.
    String uri = "file://admin:Hunter%32Secret@fileserver/tokens.txt";
    String message = StoreUris.invalid(uri, "the host 'admin:Hunter%32Secret@fileserver' (admin:hunter2secret) is "
        + "not supported").getMessage();
    assertThat(message).doesNotContainIgnoringCase("Hunter%32Secret").doesNotContainIgnoringCase("Hunter2Secret")
        .contains("'admin:***@fileserver' (admin:***)");
    assertThat(StoreUris.maskPasswords("no password here", "mysql://db/x")).isEqualTo("no password here");
  }

  @Test
  void invalidMasksThePasswordWhereTheMaskedUriShowsItUnderAnotherName() {
    // Found by JdbcStoreUriFuzzTest in CI: the user info (first ':' to last '@') swallowed the password parameter,
    // and the same text came back after the '@' as another parameter's value, which mask() leaves as written
    String uri = "jdbc:mysql://db:1auth?p&&password=HuG ret&table=oau@d.int &irtoksword=HuG ret&tableen";
    String message = StoreUris.invalid(uri, "the table name is not a plain SQL identifier.").getMessage();
    assertThat(message).doesNotContainIgnoringCase("HuG ret").contains("irtoksword=***");
  }

  @Test
  void masksAPasswordDecodedTheWayTheQueryIsDecoded() {
    // Found by JdbcStoreUriFuzzTest in CI: URLDecoder reads "%+F" as the byte 0x0F (Integer.parseInt takes a
    // sign), so a password holding "%+" decodes only as written, not with '+' replaced first; a parameter name
    // quoting it showed the decoded password.
    String uri = "sqlite:file?x/mysql://app:p%40ss%+Fw0rd@db:/q";
    String name = StoreUris.queryParameters(uri).keySet().iterator().next();
    assertThat(name).contains("p@ss\u000fw0rd");
    assertThat(StoreUris.invalid(uri, "unknown parameter '" + name + "'").getMessage())
        .doesNotContainIgnoringCase("p@ss\u000fw0rd").contains("unknown parameter 'x/mysql://app:***@db:/q'");
  }

  @Test
  void readsQueryParameters() {
    assertThat(StoreUris.queryParameters("sqlite:a.db?table=my_tokens&Create=false"))
        .containsEntry("table", "my_tokens")
        .containsEntry("create", "false");
    assertThat(StoreUris.withoutQuery("sqlite:a.db?table=x")).isEqualTo("sqlite:a.db");
  }
}
