package dev.tokenstore.file;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tokenstore.ErrorCode;
import dev.tokenstore.OAuthToken;
import dev.tokenstore.StoreException;
import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Zoho's sdk_tokens.txt format: fixtures of both SDKs (hand-written in their format), upgrade, quoting, errors. */
class ZohoFileFormatTest {

  static final String JAVA_HEADER =
      "id,user_name,client_id,client_secret,refresh_token,access_token,grant_token,expiry_time,redirect_url,api_domain";
  static final String PYTHON_HEADER =
      "id,user_name,client_id,client_secret,refresh_token,access_token,grant_token,expiry_time,redirect_uri,api_domain";

  /** As Zoho's Java SDK writes it: \n line ends, redirect_url, empty fields for nulls, a quoted value. */
  static final String JAVA_FIXTURE = JAVA_HEADER + "\n"
      + "1,alice@example.com,1000.CLIENTA,secretA,1000.refreshA.aaa,1000.accessA.aaa,,1735689600000,"
      + "https://example.com/callback,https://www.zohoapis.com\n"
      + "2,bob@example.com,1000.CLIENTB,secretB,1000.refreshB.bbb,,,,,https://www.zohoapis.eu\n"
      + "3,,1000.CLIENTC,secretC,,,1000.grantC.ccc,,\"https://example.com/cb?a=1,b=2\",\n";

  /** As Zoho's Python SDK writes it: \r\n line ends, redirect_uri in the header. */
  static final String PYTHON_FIXTURE = PYTHON_HEADER + "\r\n"
      + "1,carol@example.com,1000.CLIENTP,secretP,1000.refreshP.ppp,1000.accessP.ppp,,1735693200000,"
      + "https://example.com/py,https://www.zohoapis.in\r\n"
      + "2,dave@example.com,1000.CLIENTP,secretP,1000.refreshD.ddd,,,,https://example.com/py,\r\n";

  /** An old file: nine columns, no api_domain. */
  static final String NINE_COLUMN_FIXTURE =
      "id,user_name,client_id,client_secret,refresh_token,access_token,grant_token,expiry_time,redirect_url\n"
          + "1,erin@example.com,1000.CLIENTE,secretE,1000.refreshE.eee,1000.accessE.eee,,1735689600000,"
          + "https://example.com/old\n";

  @TempDir Path dir;

  @Test
  void javaFixtureOpensWithEveryField() throws IOException {
    Path file = write("sdk_tokens.txt", JAVA_FIXTURE);
    try (FileTokenStore store = FileTokenStore.open(file)) {
      List<OAuthToken> all = store.getTokens();
      assertThat(all).hasSize(3);
      assertThat(all.get(0)).isEqualTo(OAuthToken.builder().id("1").userName("alice@example.com")
          .clientId("1000.CLIENTA").clientSecret("secretA").refreshToken("1000.refreshA.aaa")
          .accessToken("1000.accessA.aaa").expiresAt(Instant.ofEpochMilli(1735689600000L))
          .redirectUrl("https://example.com/callback").apiDomain("https://www.zohoapis.com").build());
      assertThat(all.get(1).accessToken()).isNull();
      assertThat(all.get(1).expiresAt()).isNull();
      assertThat(all.get(1).apiDomain()).isEqualTo("https://www.zohoapis.eu");
      assertThat(all.get(2).userName()).isNull();
      assertThat(all.get(2).redirectUrl()).isEqualTo("https://example.com/cb?a=1,b=2");
      assertThat(store.findToken(OAuthToken.builder().grantToken("1000.grantC.ccc").build()))
          .hasValueSatisfying(t -> assertThat(t.id()).isEqualTo("3"));
    }
    assertThat(read(file)).as("opening and reading writes nothing").isEqualTo(JAVA_FIXTURE);
  }

  @Test
  void javaFixtureRoundTripsByteForByte() throws IOException {
    Path file = write("sdk_tokens.txt", JAVA_FIXTURE);
    try (FileTokenStore store = FileTokenStore.open(file)) {
      store.saveToken(OAuthToken.builder().userName("bob@example.com").clientId("1000.CLIENTB")
          .accessToken("1000.accessB.new").build());
      store.saveToken(OAuthToken.builder().userName("bob@example.com").clientId("1000.CLIENTB")
          .accessToken("1000.accessB.bbb").build());
      // Bob's record is back to its old access token plus one; everything else must be byte-identical.
    }
    String expected = JAVA_FIXTURE.replace(
        "2,bob@example.com,1000.CLIENTB,secretB,1000.refreshB.bbb,,,,,",
        "2,bob@example.com,1000.CLIENTB,secretB,1000.refreshB.bbb,1000.accessB.bbb,,,,");
    assertThat(read(file)).isEqualTo(expected);
  }

  @Test
  void pythonFixtureKeepsCrLfAndRedirectUriHeader() throws IOException {
    Path file = write("sdk_tokens.txt", PYTHON_FIXTURE);
    try (FileTokenStore store = FileTokenStore.open(file)) {
      assertThat(store.getTokens()).extracting(OAuthToken::userName)
          .containsExactly("carol@example.com", "dave@example.com");
      assertThat(store.findTokenById("1")).hasValueSatisfying(t -> {
        assertThat(t.redirectUrl()).isEqualTo("https://example.com/py");
        assertThat(t.apiDomain()).isEqualTo("https://www.zohoapis.in");
        assertThat(t.expiresAt()).isEqualTo(Instant.ofEpochMilli(1735693200000L));
      });
      OAuthToken saved = store.saveToken(OAuthToken.builder().userName("frank@example.com")
          .clientId("1000.CLIENTP").refreshToken("1000.refreshF.fff").build());
      assertThat(saved.id()).isEqualTo("3");
    }
    assertThat(read(file)).isEqualTo(PYTHON_FIXTURE + "3,frank@example.com,1000.CLIENTP,,1000.refreshF.fff,,,,,\r\n");
  }

  @Test
  void nineColumnFileIsReadAndUpgradedToTenOnWrite() throws IOException {
    Path file = write("sdk_tokens.txt", NINE_COLUMN_FIXTURE);
    try (FileTokenStore store = FileTokenStore.open(file)) {
      assertThat(store.findTokenById("1")).hasValueSatisfying(t -> {
        assertThat(t.redirectUrl()).isEqualTo("https://example.com/old");
        assertThat(t.apiDomain()).isNull();
      });
      assertThat(read(file)).as("reading does not upgrade").isEqualTo(NINE_COLUMN_FIXTURE);
      store.saveToken(OAuthToken.builder().id("1").apiDomain("https://www.zohoapis.com").build());
    }
    assertThat(read(file)).isEqualTo(JAVA_HEADER + "\n"
        + "1,erin@example.com,1000.CLIENTE,secretE,1000.refreshE.eee,1000.accessE.eee,,1735689600000,"
        + "https://example.com/old,https://www.zohoapis.com\n");
  }

  @Test
  void nineFieldRowsInATenColumnFileAreRead() throws IOException {
    Path file = write("t.txt", JAVA_HEADER + "\n1,u@example.com,c,s,r,,,,https://x\n");
    try (FileTokenStore store = FileTokenStore.open(file)) {
      assertThat(store.findTokenById("1")).hasValueSatisfying(t -> assertThat(t.apiDomain()).isNull());
    }
  }

  @Test
  void aByteOrderMarkIsAcceptedAndKept() throws IOException {
    Path file = write("bom.txt", "\uFEFF" + PYTHON_FIXTURE);
    try (FileTokenStore store = FileTokenStore.open(file)) {
      assertThat(store.getTokens()).hasSize(2);
      store.deleteToken("2");
    }
    assertThat(read(file)).isEqualTo("\uFEFF" + PYTHON_FIXTURE.substring(0, PYTHON_FIXTURE.indexOf("2,dave")));
  }

  @Test
  void newFileGetsTheJavaForm() {
    Path file = dir.resolve("new.txt");
    try (FileTokenStore store = FileTokenStore.open(file)) {
      assertThat(file).as("open does not create the file").doesNotExist();
      store.saveToken(OAuthToken.builder().userName("g@example.com").refreshToken("r1")
          .expiresAt(Instant.ofEpochMilli(1700000000123L)).build());
    }
    assertThat(read(file)).isEqualTo(JAVA_HEADER + "\n1,g@example.com,,,r1,,,1700000000123,,\n");
  }

  @Test
  void blankLinesAndOneFieldRowsAreSkippedAsZohoDoes() throws IOException {
    Path file = write("t.txt", "\n" + JAVA_HEADER + "\n\n1,u@example.com,c,s,r,,,,,\nlonely\n\n");
    try (FileTokenStore store = FileTokenStore.open(file)) {
      assertThat(store.getTokens()).extracting(OAuthToken::id).containsExactly("1");
    }
  }

  @Test
  void emptyFileIsAnEmptyStoreAndGetsAHeaderOnFirstSave() throws IOException {
    Path file = write("t.txt", "");
    try (FileTokenStore store = FileTokenStore.open(file)) {
      assertThat(store.getTokens()).isEmpty();
      store.saveToken(OAuthToken.builder().accessToken("a1").build());
    }
    assertThat(read(file)).isEqualTo(JAVA_HEADER + "\n1,,,,,a1,,,,\n");
  }

  static Stream<String> hostileValues() {
    return Stream.of(
        "o'brien@example.com",
        "he said \"hi\"",
        "\"",
        "\"\"",
        "a,b,c",
        ",",
        "line1\nline2",
        "line1\r\nline2\r",
        "\r",
        " leading and trailing spaces ",
        "#not a comment",
        "Zoë 東京 🎉 \u00a0 \u200b",
        "'; DROP TABLE oauthtoken; --",
        "x".repeat(10_000),
        "\"q\",\n" + "y".repeat(10_000) + ",\"");
  }

  @ParameterizedTest
  @MethodSource("hostileValues")
  void hostileValuesRoundTripInEveryColumn(String value) throws IOException {
    Path file = dir.resolve("hostile.txt");
    OAuthToken token = OAuthToken.builder().userName(value).clientId(value).clientSecret(value)
        .refreshToken(value).accessToken(value + "-a").grantToken(value + "-g").redirectUrl(value)
        .apiDomain(value).expiresAt(Instant.ofEpochMilli(1735689600000L)).build();
    OAuthToken saved;
    try (FileTokenStore store = FileTokenStore.open(file)) {
      saved = store.saveToken(token);
      assertThat(store.findToken(OAuthToken.builder().userName(value).clientId(value).apiDomain(value).build()))
          .contains(saved);
    }
    try (FileTokenStore reopened = FileTokenStore.open(file)) {
      assertThat(reopened.getTokens()).containsExactly(saved);
      assertThat(reopened.findToken(OAuthToken.builder().refreshToken(value).build())).contains(saved);
      assertThat(reopened.findToken(OAuthToken.builder().accessToken(value + "-a").build())).contains(saved);
    }
    // An independent RFC 4180 reader sees the same ten fields.
    List<CSVRecord> records;
    try (CSVParser p = CSVParser.parse(new StringReader(read(file)), CSVFormat.RFC4180)) {
      records = p.getRecords();
    }
    assertThat(records).hasSize(2);
    assertThat(records.get(1).toList()).containsExactly(saved.id(), value, value, value, value, value + "-a",
        value + "-g", "1735689600000", value, value);
  }

  @Test
  void fieldsAreQuotedOnlyWhenTheyHoldAQuoteCommaCrOrLf() {
    StringBuilder sb = new StringBuilder();
    for (String v : List.of("plain", " spaced ", "#hash", "o'brien", "a,b", "say \"x\"", "a\nb", "a\rb", "")) {
      ZohoCsv.appendField(sb, v);
      sb.append('|');
    }
    assertThat(sb.toString())
        .isEqualTo("plain| spaced |#hash|o'brien|\"a,b\"|\"say \"\"x\"\"\"|\"a\nb\"|\"a\rb\"||");
  }

  static Stream<Arguments> malformedFiles() {
    String row = "1,u@example.com,c,s,r,,,,,\n";
    return Stream.of(
        Arguments.of("unterminated quote", JAVA_HEADER + "\n" + row + "2,v@example.com,\"open,s,r,,,,,\n", 3),
        Arguments.of("text after closing quote", JAVA_HEADER + "\n" + row + "2,\"v\"x,c,s,r,,,,,\n", 3),
        Arguments.of("wrong header", "id,user,client\n" + row, 1),
        Arguments.of("header column misnamed", JAVA_HEADER.replace("refresh_token", "refresh") + "\n" + row, 1),
        Arguments.of("too few fields", JAVA_HEADER + "\n" + row + "2,v@example.com,c\n", 3),
        Arguments.of("too many fields", JAVA_HEADER + "\n" + row + "2,v,c,s,r,,,,,,extra\n", 3),
        Arguments.of("no id", JAVA_HEADER + "\n" + row + ",v@example.com,c,s,r,,,,,\n", 3),
        Arguments.of("repeated id", JAVA_HEADER + "\n" + row + "1,v@example.com,c,s,r2,,,,,\n", 3),
        Arguments.of("non-numeric expiry", JAVA_HEADER + "\n" + row + "2,v,c,s,r,,,secret-soon,,\n", 3),
        Arguments.of("two decimal points in expiry", JAVA_HEADER + "\n" + row + "2,v,c,s,r,,,17356..5,,\n", 3),
        Arguments.of("quoted row over two lines, then bad", JAVA_HEADER + "\n2,\"a\nb\",c,s,r,,,x,,\n", 2));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("malformedFiles")
  void malformedFileIsCorruptStoreAndNeverWritten(String what, String content, int line) throws IOException {
    Path file = write("bad.txt", content);
    byte[] before = Files.readAllBytes(file);
    assertThatThrownBy(() -> FileTokenStore.open(file))
        .isInstanceOfSatisfying(StoreException.class, e -> {
          assertThat(e.code()).isEqualTo(ErrorCode.CORRUPT_STORE);
          assertThat(e.getMessage()).contains(file.toString()).contains("line " + line)
              .doesNotContain("secret-soon").doesNotContain("17356.5");
        });
    // A store opened before the file went bad must not overwrite it either.
    Path other = dir.resolve("good-then-bad.txt");
    try (FileTokenStore store = FileTokenStore.open(other)) {
      store.saveToken(OAuthToken.builder().userName("w@example.com").refreshToken("rw").build());
      Files.write(other, before);
      assertThatThrownBy(() -> store.saveToken(OAuthToken.builder().userName("z@example.com").refreshToken("rz")
          .build())).isInstanceOfSatisfying(StoreException.class,
              e -> assertThat(e.code()).isEqualTo(ErrorCode.CORRUPT_STORE));
      assertThatThrownBy(store::deleteTokens).isInstanceOf(StoreException.class);
      assertThatThrownBy(() -> store.deleteToken("1")).isInstanceOf(StoreException.class);
      assertThatThrownBy(() -> store.findTokenById("1")).isInstanceOf(StoreException.class);
    }
    assertThat(Files.readAllBytes(file)).isEqualTo(before);
    assertThat(Files.readAllBytes(other)).isEqualTo(before);
    assertThat(FileStoreTestSupport.strayFiles(dir)).isEmpty();
  }

  @Test
  void invalidUtf8IsCorruptStoreWithItsLine() throws IOException {
    Path file = dir.resolve("latin1.txt");
    byte[] head = (JAVA_HEADER + "\n1,u@example.com,c,s,r,,,,,\n2,").getBytes(UTF_8);
    byte[] tail = ",c,s,r,,,,,\n".getBytes(UTF_8);
    byte[] all = new byte[head.length + 1 + tail.length];
    System.arraycopy(head, 0, all, 0, head.length);
    all[head.length] = (byte) 0xE9; // é in Latin-1
    System.arraycopy(tail, 0, all, head.length + 1, tail.length);
    Files.write(file, all);
    assertThatThrownBy(() -> FileTokenStore.open(file))
        .isInstanceOfSatisfying(StoreException.class, e -> {
          assertThat(e.code()).isEqualTo(ErrorCode.CORRUPT_STORE);
          assertThat(e.getMessage()).contains("line 3").contains("UTF-8");
        });
    assertThat(Files.readAllBytes(file)).isEqualTo(all);
  }

  private Path write(String name, String content) throws IOException {
    Path file = dir.resolve(name);
    Files.writeString(file, content, UTF_8);
    return file;
  }

  private static String read(Path file) {
    try {
      return Files.readString(file, UTF_8);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
