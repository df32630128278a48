package dev.tokenstore.server.internal.console;

import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * What the templates (src/main/jte) show: plain values, never a secret (tokens appear only as
 * {@link dev.tokenstore.Secrets#fingerprint fingerprints}). Immutable and thread-safe.
 */
public final class Views {
  private Views() {}

  /** What every page has: its title, the session's CSRF token (null before a session), a message shown once. */
  public record Page(String title, @Nullable String csrf, @Nullable String flash, boolean admin) {
    /** The CSRF token, or empty. */
    public String csrfValue() {
      return csrf == null ? "" : csrf;
    }
  }

  /** A token as a row of the list. */
  public record TokenRow(String id, String user, String client, String apiDomain, String status, String expiresIn) {}

  /** The sign-in page. */
  public record Login(Page page, @Nullable String error) {}

  /** The dashboard. */
  public record Dashboard(Page page, int total, List<StatusCount> counts, List<History.Entry> recent) {}

  /** One bar of the dashboard: a status, its count and the bar's width (0 to 300). */
  public record StatusCount(String status, int count, int width, int y) {}

  /** The token list. */
  public record TokenList(Page page, String q, String status, List<String> statuses, List<TokenRow> rows,
      int total, int pageNo, int pages, String prevHref, String nextHref) {}

  /** A token's page. */
  public record TokenDetail(Page page, TokenRow row, String redirectUrl, String expiresAt, String accessToken,
      String refreshToken, String grantToken, String clientSecret, List<History.Entry> history) {}

  /** The confirmation of a global logout. */
  public record LogoutAll(Page page, String client, int count, List<String> clients) {}

  /** The cleanup preview. */
  public record Cleanup(Page page, int days, List<TokenRow> rows) {}

  /** The history page. */
  public record HistoryPage(Page page, List<History.Entry> entries) {}

  /** An error page. */
  public record Error(Page page, int status, String message) {}

  /** The portal's page. */
  public record Portal(Page page, @Nullable String user, @Nullable String tokenId, @Nullable String error,
      long timeoutMinutes) {}
}
