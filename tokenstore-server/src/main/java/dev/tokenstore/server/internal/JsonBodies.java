package dev.tokenstore.server.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tokenstore.ErrorCode;
import dev.tokenstore.Secrets;
import dev.tokenstore.TokenstoreException;
import java.io.IOException;
import java.util.Iterator;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Request bodies: a JSON object whose fields are strings (or null), each known to the endpoint. Anything else is
 * {@link ErrorCode#INVALID_ARGUMENT} naming the field, so a typo ({@code "username"}) is an error, not a token of
 * the wrong user. Thread-safe.
 */
public final class JsonBodies {
  /** The one mapper of the service. */
  public static final ObjectMapper MAPPER = new ObjectMapper()
      .enable(com.fasterxml.jackson.core.JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
      .enable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  private JsonBodies() {}

  /** A fresh object node. */
  public static ObjectNode object() {
    return MAPPER.createObjectNode();
  }

  /** {@code node} as UTF-8 JSON. */
  public static byte[] bytes(JsonNode node) {
    try {
      return MAPPER.writeValueAsBytes(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a tree of strings and numbers is always written", e);
    }
  }

  /** The fields of {@code body}, checked against {@code known}. */
  public static Fields parse(byte[] body, Set<String> known) {
    JsonNode n;
    try {
      n = MAPPER.readTree(body);
    } catch (JsonProcessingException e) {
      // Jackson's message quotes the text it choked on, which may be a secret: only the place is told
      com.fasterxml.jackson.core.JsonLocation at = e.getLocation();
      throw new TokenstoreException(ErrorCode.INVALID_ARGUMENT, "The request body is not valid JSON"
          + (at == null ? "" : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")") + ".");
    } catch (IOException e) {
      throw new TokenstoreException(ErrorCode.INVALID_ARGUMENT, "The request body could not be read.");
    }
    if (n == null || !n.isObject()) {
      throw new TokenstoreException(ErrorCode.INVALID_ARGUMENT, "The request body must be a JSON object, e.g. "
          + "{\"user_name\": \"jane@example.com\"}.");
    }
    for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (!known.contains(f)) {
        throw new TokenstoreException(ErrorCode.INVALID_ARGUMENT, "Unknown field \"" + Secrets.shorten(f)
            + "\"; this endpoint takes " + String.join(", ", known.stream().sorted().toList()) + ".");
      }
      JsonNode v = n.get(f);
      if (!v.isTextual() && !v.isNull()) {
        throw new TokenstoreException(ErrorCode.INVALID_ARGUMENT, "Field \"" + f + "\" must be a string.");
      }
      if (v.isTextual() && v.asText().isEmpty()) {
        throw new TokenstoreException(ErrorCode.INVALID_ARGUMENT, "Field \"" + f + "\" is empty; leave it out.");
      }
    }
    return new Fields(n);
  }

  /** The string fields of a request body. */
  public static final class Fields {
    private final JsonNode node;

    Fields(JsonNode node) {
      this.node = node;
    }

    /** The field's value; null when absent or null. */
    public @Nullable String get(String name) {
      JsonNode v = node.get(name);
      return v == null || v.isNull() || v.asText().isEmpty() ? null : v.asText();
    }
  }
}
