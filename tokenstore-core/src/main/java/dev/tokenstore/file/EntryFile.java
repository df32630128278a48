package dev.tokenstore.file;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import dev.tokenstore.ErrorCode;
import dev.tokenstore.StoreException;
import dev.tokenstore.TokenstoreException;
import dev.tokenstore.internal.EntryMap;
import dev.tokenstore.spi.EntryTable;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * The format of the sidecar file {@code <name>.entries} of a {@link FileTokenStore}, which holds its
 * {@link EntryTable}: a header line, then one JSON object per line, {@code {"kind":"...","name":"...",
 * "value":"..."}}, sorted by kind and name, UTF-8. The writer escapes every character outside printable ASCII
 * ({@code \n}, {@code \u00e9}, surrogate pairs as two escapes), so a line break inside a value never splits a line and
 * any Java string comes back exactly; a reader also takes unescaped UTF-8.
 *
 * <p>A file that is not exactly this (another header, a line that is not such an object, an invalid kind, name or
 * value, a repeated kind and name, invalid UTF-8, more than {@link #MAX_BYTES} bytes) is
 * {@link ErrorCode#CORRUPT_STORE}, naming the file and the line but never a value; the store then writes nothing.
 *
 * <p>Stateless and thread-safe.
 */
final class EntryFile {
  /** The first line of every entries file. */
  static final String HEADER = "# tokenstore entries, format 1: one JSON object {\"kind\",\"name\",\"value\"} "
      + "per line";

  /**
   * The largest entries file read or written: 16 MiB, some 250 values of the largest size or 100,000 small ones.
   * A file store is not made for more; the SQL and Redis stores are.
   */
  static final int MAX_BYTES = 16 << 20;

  private static final JsonFactory JSON = JsonFactory.builder()
      .enable(JsonWriteFeature.ESCAPE_NON_ASCII)
      .build();

  private EntryFile() {}

  /** The entries file of the token file {@code tokenFile}. */
  static Path sidecarOf(Path tokenFile) {
    return PrivateFiles.sidecar(tokenFile, ".entries");
  }

  /**
   * The file's bytes for {@code entries}.
   *
   * @param file names the file in the message when the entries do not fit into {@link #MAX_BYTES}
   * @throws StoreException {@link ErrorCode#INVALID_ARGUMENT} when they do not
   */
  static byte[] format(EntryMap entries, Path file) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(64 + 64 * entries.size());
    out.writeBytes((HEADER + "\n").getBytes(StandardCharsets.US_ASCII));
    entries.forEach((kind, name, value) -> {
      try (JsonGenerator g = JSON.createGenerator(out)) {
        g.writeStartObject();
        g.writeStringField("kind", kind);
        g.writeStringField("name", name);
        g.writeStringField("value", value);
        g.writeEndObject();
      } catch (IOException e) {
        throw new UncheckedIOException(e); // a ByteArrayOutputStream does not fail
      }
      out.write('\n');
    });
    if (out.size() > MAX_BYTES) {
      throw new StoreException(ErrorCode.INVALID_ARGUMENT, "The entries file " + file + " would grow to "
          + out.size() + " bytes, over its limit of " + MAX_BYTES + " bytes; nothing was written. A file store "
          + "keeps few entries: remove some, or use an SQL or Redis store.");
    }
    return out.toByteArray();
  }

  /**
   * Parses the bytes of the entries file {@code file} ({@code file} only names it in messages).
   *
   * @throws StoreException {@link ErrorCode#CORRUPT_STORE} naming the file and line, never a value
   */
  static EntryMap parse(byte[] bytes, Path file) {
    if (bytes.length > MAX_BYTES) {
      throw tooLarge(file, bytes.length);
    }
    EntryMap entries = new EntryMap();
    CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT);
    int start = 0;
    int line = 0;
    while (start < bytes.length) {
      line++;
      int end = start;
      while (end < bytes.length && bytes[end] != '\n') {
        end++;
      }
      String text;
      try {
        text = utf8.decode(ByteBuffer.wrap(bytes, start, end - start)).toString();
      } catch (CharacterCodingException e) {
        throw corrupt(file, line, "the line is not valid UTF-8");
      }
      if (text.endsWith("\r")) {
        text = text.substring(0, text.length() - 1);
      }
      if (line == 1) {
        if (!text.equals(HEADER)) {
          throw corrupt(file, line, "the first line is not the header of an entries file");
        }
      } else {
        Entry e = entry(text, file, line);
        try {
          EntryTable.check(e.kind, e.name, e.value);
        } catch (TokenstoreException invalid) {
          throw corrupt(file, line, "the entry's kind, name or value breaks the rules of an entry ("
              + invalid.getMessage() + ")");
        }
        if (!entries.insert(e.kind, e.name, e.value)) {
          throw corrupt(file, line, "the entry's kind and name appear on an earlier line too");
        }
      }
      start = end + 1;
    }
    if (line == 0) {
      throw corrupt(file, 1, "the file is empty: it has no header");
    }
    return entries;
  }

  /** A {@link ErrorCode#CORRUPT_STORE} for a file of {@code size} bytes, more than {@link #MAX_BYTES}. */
  static StoreException tooLarge(Path file, long size) {
    return new StoreException(ErrorCode.CORRUPT_STORE, "The entries file " + file + " has " + size
        + " bytes, more than the " + MAX_BYTES + " bytes this store ever writes: it was not read, and nothing "
        + "was written. Move it away (or restore it from a backup), then retry.");
  }

  private record Entry(String kind, String name, String value) {}

  private static Entry entry(String text, Path file, int line) {
    String kind = null;
    String name = null;
    String value = null;
    String shape = "the line is not a JSON object with exactly the string fields kind, name and value";
    try (JsonParser p = JSON.createParser(text)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw corrupt(file, line, shape);
      }
      for (JsonToken t = p.nextToken(); t != JsonToken.END_OBJECT; t = p.nextToken()) {
        if (t != JsonToken.FIELD_NAME) {
          throw corrupt(file, line, shape);
        }
        String field = p.currentName();
        if (p.nextToken() != JsonToken.VALUE_STRING) {
          throw corrupt(file, line, shape);
        }
        String s = p.getText();
        if ("kind".equals(field) && kind == null) {
          kind = s;
        } else if ("name".equals(field) && name == null) {
          name = s;
        } else if ("value".equals(field) && value == null) {
          value = s;
        } else {
          throw corrupt(file, line, shape);
        }
      }
      if (p.nextToken() != null) {
        throw corrupt(file, line, "the line has more after its JSON object");
      }
    } catch (IOException e) {
      // Jackson's message may quote the line: only its column is shown.
      long column = e instanceof com.fasterxml.jackson.core.JsonProcessingException j && j.getLocation() != null
          ? j.getLocation().getColumnNr() : -1;
      throw corrupt(file, line, "the line is not valid JSON" + (column > 0 ? " (near column " + column + ")" : ""));
    }
    if (kind == null || name == null || value == null) {
      throw corrupt(file, line, shape);
    }
    return new Entry(kind, name, value);
  }

  private static StoreException corrupt(Path file, long line, String problem) {
    return new StoreException(ErrorCode.CORRUPT_STORE, "The entries file " + file + " is malformed at line " + line
        + ": " + problem + ". Nothing was written and the file is left as it is; fix the line or move the file "
        + "away (its entries are then gone), then retry.");
  }
}
