package dev.tokenstore.file;

import dev.tokenstore.ErrorCode;
import dev.tokenstore.OAuthToken;
import dev.tokenstore.StoreException;
import dev.tokenstore.internal.TokenTable;
import dev.tokenstore.spi.ZohoRecord;
import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CharsetEncoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;
import org.jspecify.annotations.Nullable;

/**
 * Zoho's {@code sdk_tokens.txt} format: reading with Apache Commons CSV, writing with Zoho's exact quoting.
 *
 * <p>Commons CSV's {@code QuoteMode.MINIMAL} quotes more than Zoho's writers do (an empty first field, a value
 * starting with a character up to {@code '#'}, a value ending in a space), so the few lines that write a field
 * are here: a field is quoted only when it holds a quote, comma, CR or LF, with quotes doubled, exactly as
 * Zoho's Java (opencsv) and Python ({@code csv}) writers do. Stateless and thread-safe.
 */
final class ZohoCsv {

  /** The ten columns, in Zoho's order and with the Java SDK's names. */
  static final List<String> COLUMNS = ZohoRecord.COLUMNS;

  /** The Python SDK's name of the ninth column. */
  static final String PYTHON_REDIRECT = "redirect_uri";

  private static final CSVFormat READ_FORMAT = CSVFormat.RFC4180.builder()
      .setIgnoreEmptyLines(false) // keeps line numbers exact; blank lines are skipped below (one field or fewer)
      .setIgnoreSurroundingSpaces(false)
      .setTrim(false)
      .get();

  private ZohoCsv() {}

  /**
   * How a file is laid out: an optional byte order mark, its line separator and its header names (nine or ten,
   * as found). Rewriting keeps all three, except that a nine-column header gains {@code api_domain}.
   */
  record Layout(String bom, String lineSeparator, List<String> header) {
    /** A new file: the Java SDK's form. */
    static final Layout NEW_FILE = new Layout("", "\n", COLUMNS);

    /** The layout a rewrite uses: nine columns become ten, as Zoho's SDKs upgrade old files. */
    Layout forWriting() {
      if (header.size() == COLUMNS.size()) {
        return this;
      }
      List<String> ten = new ArrayList<>(header);
      ten.add(COLUMNS.get(9));
      return new Layout(bom, lineSeparator, List.copyOf(ten));
    }
  }

  /** A parsed file. */
  record Parsed(Layout layout, TokenTable table) {}

  /**
   * Parses the bytes of the file at {@code path} ({@code path} only names the file in messages).
   *
   * @throws StoreException {@link ErrorCode#CORRUPT_STORE} naming the path and line, never a value
   */
  static Parsed parse(byte[] bytes, Path path) {
    TokenTable table = new TokenTable();
    if (bytes.length == 0) {
      return new Parsed(Layout.NEW_FILE, table);
    }
    String text = decode(bytes, path);
    String bom = "";
    if (text.startsWith("\uFEFF")) {
      bom = "\uFEFF";
      text = text.substring(1);
    }
    String separator = lineSeparator(text);
    List<String> header = null;
    try (CSVParser parser = CSVParser.parse(new StringReader(text), READ_FORMAT)) {
      Iterator<CSVRecord> records = parser.iterator();
      while (true) {
        long line = parser.getCurrentLineNumber() + 1;
        CSVRecord record;
        try {
          if (!records.hasNext()) {
            break;
          }
          record = records.next();
        } catch (UncheckedIOException | IllegalStateException e) {
          throw corrupt(path, line, describeParseError(e));
        }
        int size = record.size();
        if (header == null) {
          if (size == 0 || (size == 1 && record.get(0).isEmpty())) {
            continue; // blank lines before the header
          }
          header = checkHeader(record, path, line);
          continue;
        }
        if (size <= 1) {
          continue; // Zoho's SDKs skip rows with one field or fewer
        }
        if (size != header.size() && !(header.size() == COLUMNS.size() && size == COLUMNS.size() - 1)) {
          throw corrupt(path, line, "the row has " + size + " fields but the header has " + header.size());
        }
        OAuthToken token = toToken(record, path, line);
        String id = Objects.requireNonNull(token.id(), "toToken gives every row's id");
        if (table.get(id).isPresent()) {
          throw corrupt(path, line, "the id '" + id + "' appears on an earlier row too");
        }
        table.put(token);
      }
    } catch (IOException e) {
      throw corrupt(path, 1, "the file cannot be parsed as CSV");
    }
    if (header == null) {
      // Only blank lines: an empty store, written in the new-file form.
      return new Parsed(new Layout(bom, separator, COLUMNS), table);
    }
    return new Parsed(new Layout(bom, separator, header), table);
  }

  /** The bytes of a whole file holding {@code tokens} in {@code layout} (already {@link Layout#forWriting}). */
  static byte[] format(Layout layout, Collection<OAuthToken> tokens) {
    byte[] header = header(layout);
    List<byte[]> rows = new ArrayList<>(tokens.size());
    int size = header.length;
    for (OAuthToken t : tokens) {
      byte[] r = row(layout, t);
      rows.add(r);
      size += r.length;
    }
    return concat(header, rows, size);
  }

  /** {@code head} then {@code parts}, {@code size} bytes in all, in one array. */
  static byte[] concat(byte[] head, List<byte[]> parts, int size) {
    byte[] out = new byte[size];
    System.arraycopy(head, 0, out, 0, head.length);
    int at = head.length;
    for (byte[] p : parts) {
      System.arraycopy(p, 0, out, at, p.length);
      at += p.length;
    }
    return out;
  }

  /** The byte order mark (if the layout has one) and the header line. */
  static byte[] header(Layout layout) {
    StringBuilder sb = new StringBuilder(128);
    sb.append(layout.bom());
    List<String> header = layout.header();
    for (int i = 0; i < header.size(); i++) {
      if (i > 0) {
        sb.append(',');
      }
      appendField(sb, header.get(i));
    }
    sb.append(layout.lineSeparator());
    return utf8(sb);
  }

  /** One token's line (Zoho's ten columns, {@link ZohoRecord#toValues}), with its line separator, as UTF-8. */
  static byte[] row(Layout layout, OAuthToken t) {
    StringBuilder sb = new StringBuilder(256);
    appendField(sb, t.id());
    sb.append(',');
    appendField(sb, t.userName());
    sb.append(',');
    appendField(sb, t.clientId());
    sb.append(',');
    appendField(sb, t.clientSecret());
    sb.append(',');
    appendField(sb, t.refreshToken());
    sb.append(',');
    appendField(sb, t.accessToken());
    sb.append(',');
    appendField(sb, t.grantToken());
    sb.append(',');
    if (t.expiresAt() != null) {
      sb.append(t.expiresAt().toEpochMilli()); // ZohoRecord.formatExpiry, without the intermediate string
    }
    sb.append(',');
    appendField(sb, t.redirectUrl());
    sb.append(',');
    appendField(sb, t.apiDomain()); // always ten columns: a layout for writing has ten
    sb.append(layout.lineSeparator());
    return utf8(sb);
  }

  /**
   * UTF-8 of {@code sb}. Stores check every value first ({@code TokenRules.requireWellFormed}); a string with an
   * unpaired surrogate, which has no UTF-8 form, is still refused here rather than written as {@code ?}.
   */
  private static byte[] utf8(StringBuilder sb) {
    for (int i = 0; i < sb.length(); i++) {
      if (Character.isSurrogate(sb.charAt(i))) {
        return strictUtf8(sb);
      }
    }
    return sb.toString().getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] strictUtf8(CharSequence text) {
    CharsetEncoder encoder = StandardCharsets.UTF_8.newEncoder()
        .onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT);
    try {
      ByteBuffer buf = encoder.encode(CharBuffer.wrap(text));
      byte[] out = new byte[buf.remaining()];
      buf.get(out);
      return out;
    } catch (CharacterCodingException e) {
      throw new StoreException(
          ErrorCode.INVALID_ARGUMENT,
          "A token value holds an unpaired UTF-16 surrogate and cannot be written as UTF-8. "
              + "Pass well-formed Unicode strings. Nothing was written.");
    }
  }

  /** Appends a field, quoted only when it holds a quote, comma, CR or LF; null is the empty field. */
  static void appendField(StringBuilder sb, @Nullable String value) {
    if (value == null || value.isEmpty()) {
      return;
    }
    boolean quote = false;
    for (int i = 0; i < value.length() && !quote; i++) {
      char c = value.charAt(i);
      quote = c == '"' || c == ',' || c == '\r' || c == '\n';
    }
    if (!quote) {
      sb.append(value);
      return;
    }
    sb.append('"');
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c == '"') {
        sb.append('"');
      }
      sb.append(c);
    }
    sb.append('"');
  }

  private static List<String> checkHeader(CSVRecord record, Path path, long line) {
    int size = record.size();
    if (size != COLUMNS.size() && size != COLUMNS.size() - 1) {
      throw corrupt(path, line, "the header has " + size + " columns; expected Zoho's ten ("
          + String.join(",", COLUMNS) + ") or the old nine without api_domain");
    }
    List<String> names = record.toList();
    for (int i = 0; i < size; i++) {
      String name = names.get(i).toLowerCase(Locale.ROOT);
      boolean ok = name.equals(COLUMNS.get(i)) || (i == 8 && name.equals(PYTHON_REDIRECT));
      if (!ok) {
        throw corrupt(path, line, "header column " + (i + 1) + " is not '" + COLUMNS.get(i)
            + "'; expected Zoho's header " + String.join(",", COLUMNS));
      }
    }
    return List.copyOf(names);
  }

  private static OAuthToken toToken(CSVRecord r, Path path, long line) {
    String id = r.get(0);
    if (id.isEmpty()) {
      throw corrupt(path, line, "the row has no id");
    }
    try {
      return ZohoRecord.fromValues(java.util.Arrays.asList(r.values()));
    } catch (IllegalArgumentException e) {
      throw corrupt(path, line, String.valueOf(e.getMessage()));
    }
  }

  /** The separator ending the first line ({@code \n} if the file has a single unterminated line). */
  private static String lineSeparator(String text) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '\n') {
        return "\n";
      }
      if (c == '\r') {
        return i + 1 < text.length() && text.charAt(i + 1) == '\n' ? "\r\n" : "\r";
      }
    }
    return "\n";
  }

  private static String decode(byte[] bytes, Path path) {
    CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT);
    ByteBuffer in = ByteBuffer.wrap(bytes);
    try {
      return decoder.decode(in).toString();
    } catch (CharacterCodingException e) {
      long line = 1;
      for (int i = 0; i < in.position() && i < bytes.length; i++) {
        if (bytes[i] == '\n') {
          line++;
        }
      }
      throw corrupt(path, line, "the file is not valid UTF-8");
    }
  }

  private static String describeParseError(RuntimeException e) {
    // Commons CSV's own message is not passed on: only our description, which never quotes file content.
    String m = String.valueOf(e.getMessage());
    if (m.contains("EOF")) {
      return "a quoted field is not closed before the end of the file";
    }
    if (m.contains("between encapsulated token and delimiter")) {
      return "characters follow a closing quote before the next comma";
    }
    return "the row is not valid CSV";
  }

  static StoreException corrupt(Path path, long line, String problem) {
    return new StoreException(
        ErrorCode.CORRUPT_STORE,
        "The token file " + path + " is malformed at line " + line + ": " + problem + ". Nothing was written "
            + "and the file is left as it is; fix the line or move the file away, then retry.");
  }
}
