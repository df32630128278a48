package dev.tokenstore.emulator;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Stateless pieces of Zoho's protocol for {@link AccountsState}: token format, PKCE challenges, the
 * {@code Authorization} header, redirect and name helpers. Thread-safe.
 */
final class Protocol {
  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private Protocol() {}

  /** A Zoho-looking token: {@code 1000.<32 hex>.<32 hex>}, 256 random bits. */
  static String newToken(SecureRandom random) {
    byte[] bytes = new byte[32];
    random.nextBytes(bytes);
    char[] out = new char[64];
    for (int i = 0; i < 32; i++) {
      out[2 * i] = HEX[(bytes[i] >> 4) & 0xF];
      out[2 * i + 1] = HEX[bytes[i] & 0xF];
    }
    String hex = new String(out);
    return "1000." + hex.substring(0, 32) + "." + hex.substring(32);
  }

  /** The PKCE challenge of {@code verifier} by {@code method} ({@code S256} or {@code plain}). */
  static String challengeOf(String verifier, String method) {
    if (method.equals("plain")) {
      return verifier;
    }
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(StandardCharsets.US_ASCII));
      return Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required by every Java platform", e);
    }
  }

  static String errorRedirect(String redirectUri, String error, @Nullable String state) {
    StringBuilder location = new StringBuilder(redirectUri);
    location.append(redirectUri.indexOf('?') >= 0 ? '&' : '?').append("error=").append(error);
    if (state != null) {
      location.append("&state=").append(enc(state));
    }
    return location.toString();
  }

  static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  static @Nullable String blankToNull(@Nullable String s) {
    return s == null || s.isBlank() ? null : s;
  }

  static Set<String> copyOf(String... values) {
    return new LinkedHashSet<>(List.of(values));
  }

  static @Nullable String bearer(@Nullable String authorization) {
    if (authorization == null) {
      return null;
    }
    String h = authorization.trim();
    int space = h.indexOf(' ');
    if (space < 0) {
      return null;
    }
    String scheme = h.substring(0, space).toLowerCase(Locale.ROOT);
    if (!scheme.equals("zoho-oauthtoken") && !scheme.equals("bearer")) {
      return null;
    }
    return blankToNull(h.substring(space + 1).trim());
  }

  static String fullName(String email) {
    int at = email.indexOf('@');
    String local = at > 0 ? email.substring(0, at) : email;
    StringBuilder out = new StringBuilder();
    for (String part : local.split("[._+-]+")) {
      if (part.isEmpty()) {
        continue;
      }
      if (out.length() > 0) {
        out.append(' ');
      }
      out.append(part.substring(0, 1).toUpperCase(Locale.ROOT)).append(part.substring(1));
    }
    return out.length() == 0 ? email : out.toString();
  }
}
