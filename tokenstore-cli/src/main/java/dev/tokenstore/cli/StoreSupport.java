package dev.tokenstore.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tokenstore.OAuthToken;
import dev.tokenstore.Secrets;
import dev.tokenstore.TokenStore;
import dev.tokenstore.TokenStores;
import dev.tokenstore.crypto.EncryptedTokenStore;
import dev.tokenstore.crypto.KeyProvider;
import dev.tokenstore.TokenstoreException;
import dev.tokenstore.oauth.TokenPages;
import dev.tokenstore.oauth.TokenStatus;
import dev.tokenstore.spi.StoreUris;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/** Opening stores and showing tokens (status, masked secrets, tables, JSON). Stateless and thread-safe. */
final class StoreSupport {
  /** The JSON mapper, made on first use: Jackson's databind loads hundreds of classes that most runs never need. */
  static ObjectMapper json() {
    return Json.MAPPER;
  }

  private static final class Json {
    static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  }
  private static final DateTimeFormatter LOCAL =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneId.systemDefault());

  private StoreSupport() {}

  /**
   * Opens the store {@code uri} names: with its secrets encrypted by {@code keys} when given
   * ({@link EncryptedTokenStore}), else as it is (a store with encrypted records then refuses them with
   * {@code ENCRYPTED_STORE}).
   */
  static TokenStore open(String uri, @Nullable KeyProvider keys) {
    return keys == null ? TokenStores.open(uri) : EncryptedTokenStore.open(uri, keys);
  }

  /** The URI for messages, with any password masked. */
  static String show(String uri) {
    return StoreUris.mask(uri);
  }

  /**
   * valid / expiring / expired / not exchanged / needs re-authorization: the library's {@link TokenStatus}, in
   * words for people.
   */
  static String status(OAuthToken t, Instant now) {
    return switch (TokenStatus.of(t, now)) {
      case VALID -> "valid";
      case EXPIRING -> "expiring";
      case EXPIRED -> "expired";
      case NOT_EXCHANGED -> "not exchanged";
      case REAUTHORIZATION_REQUIRED -> "needs re-authorization";
    };
  }

  static @Nullable String secret(@Nullable String value, boolean reveal) {
    if (value == null) {
      return null;
    }
    return reveal ? value : Secrets.redact(value);
  }

  static String expiry(OAuthToken t, Instant now) {
    Instant exp = t.expiresAt();
    if (exp == null) {
      return "-";
    }
    Duration d = Duration.between(now, exp);
    String rel = d.isNegative() ? human(d.negated()) + " ago" : "in " + human(d);
    return LOCAL.format(exp) + " (" + rel + ")";
  }

  static String human(Duration d) {
    long s = d.getSeconds();
    if (s < 120) {
      return s + " s";
    }
    if (s < 7200) {
      return s / 60 + " min";
    }
    if (s < 172_800) {
      return s / 3600 + " h";
    }
    return s / 86_400 + " days";
  }

  static ObjectNode json(OAuthToken t, Instant now, boolean reveal) {
    ObjectNode n = json().createObjectNode();
    n.put("id", t.id());
    n.put("user", t.userName());
    n.put("clientId", t.clientId());
    n.put("apiDomain", t.apiDomain());
    n.put("status", status(t, now));
    n.put("expiresAt", t.expiresAt() == null ? null : t.expiresAt().toString());
    n.put("redirectUrl", t.redirectUrl());
    n.put("accessToken", secret(t.accessToken(), reveal));
    n.put("refreshToken", secret(t.refreshToken(), reveal));
    n.put("grantToken", secret(t.grantToken(), reveal));
    n.put("clientSecret", secret(t.clientSecret(), reveal));
    return n;
  }

  static void printJson(PrintWriter out, Object node) {
    try {
      out.println(json().writeValueAsString(node));
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException("could not write JSON", e);
    }
    out.flush();
  }

  /** The status {@code list} shows for a record that cannot be read. */
  static final String DAMAGED = "damaged";

  /** A record that cannot be read, in JSON: its id, user name, status {@code damaged} and error (never a secret). */
  static ObjectNode json(TokenPages.Item unreadable) {
    TokenstoreException e = java.util.Objects.requireNonNull(unreadable.error());
    ObjectNode n = json().createObjectNode();
    n.put("id", unreadable.id());
    n.put("user", unreadable.userName());
    n.put("status", DAMAGED);
    n.putObject("error").put("code", e.code().name()).put("message", e.getMessage());
    return n;
  }

  static void printList(PrintWriter out, List<TokenPages.Item> items, Instant now, boolean json, boolean reveal) {
    if (json) {
      ArrayNode a = json().createArrayNode();
      items.forEach(i -> a.add(i.token() != null ? json(i.token(), now, reveal) : json(i)));
      printJson(out, a);
      return;
    }
    if (items.isEmpty()) {
      out.println("No tokens stored. Add one with 'tokenstore login', 'exchange' or 'import'.");
      out.flush();
      return;
    }
    List<String[]> rows = new ArrayList<>();
    rows.add(reveal ? new String[] {"ID", "USER", "CLIENT", "API DOMAIN", "STATUS", "EXPIRES", "ACCESS TOKEN",
        "REFRESH TOKEN"} : new String[] {"ID", "USER", "CLIENT", "API DOMAIN", "STATUS", "EXPIRES"});
    for (TokenPages.Item i : items) {
      OAuthToken t = i.token();
      String[] base = t != null
          ? new String[] {nz(t.id()), nz(t.userName()), nz(t.clientId()), nz(t.apiDomain()), status(t, now),
            expiry(t, now)}
          : new String[] {nz(i.id()), nz(i.userName()), "-", "-",
            DAMAGED + " [" + java.util.Objects.requireNonNull(i.error()).code() + "]", "-"};
      if (reveal) {
        String[] r = java.util.Arrays.copyOf(base, 8);
        r[6] = t == null ? "-" : nz(t.accessToken());
        r[7] = t == null ? "-" : nz(t.refreshToken());
        rows.add(r);
      } else {
        rows.add(base);
      }
    }
    printTable(out, rows);
  }

  /** {@code rows} (the first is the header) as columns padded to their widest cell, two spaces apart. */
  static void printTable(PrintWriter out, List<String[]> rows) {
    int[] w = new int[rows.get(0).length];
    for (String[] r : rows) {
      for (int i = 0; i < r.length; i++) {
        w[i] = Math.max(w[i], r[i].length());
      }
    }
    for (String[] r : rows) {
      StringBuilder sb = new StringBuilder();
      for (int i = 0; i < r.length; i++) {
        sb.append(i == r.length - 1 ? r[i] : String.format("%-" + w[i] + "s  ", r[i]));
      }
      out.println(sb.toString().stripTrailing());
    }
    out.flush();
  }

  static void printToken(PrintWriter out, OAuthToken t, Instant now, boolean json, boolean reveal) {
    if (json) {
      printJson(out, json(t, now, reveal));
      return;
    }
    line(out, "id", t.id());
    line(out, "user", t.userName());
    line(out, "client id", t.clientId());
    line(out, "api domain", t.apiDomain());
    line(out, "status", status(t, now));
    line(out, "expires", expiry(t, now));
    line(out, "redirect url", t.redirectUrl());
    line(out, "access token", secret(t.accessToken(), reveal));
    line(out, "refresh token", secret(t.refreshToken(), reveal));
    line(out, "grant token", secret(t.grantToken(), reveal));
    line(out, "client secret", secret(t.clientSecret(), reveal));
    if (!reveal) {
      out.println("(secrets are shown as fingerprints; add --reveal to print them)");
    }
    out.flush();
  }

  private static void line(PrintWriter out, String name, @Nullable String value) {
    out.printf("%-14s %s%n", name + ":", nz(value));
  }

  /** A stored value for human output: {@code -} for none, else escaped ({@link TerminalText#escape}). */
  private static String nz(@Nullable String s) {
    return s == null ? "-" : TerminalText.escape(s);
  }
}
