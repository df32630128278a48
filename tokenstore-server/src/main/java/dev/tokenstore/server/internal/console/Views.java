package dev.tokenstore.server.internal.console;

import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * What the templates (src/main/jte) show: plain values, never a secret (tokens appear only as
 * {@link dev.tokenstore.Secrets#fingerprint fingerprints}). Immutable and thread-safe.
 */
public final class Views {
  private Views() {}

  /**
   * {@code text} as it may be shown: every character that would be invisible or would reorder what follows it
   * (format characters such as the bidi overrides U+202A..U+202E and isolates U+2066..U+2069, zero-width
   * characters, controls, line and paragraph separators) written as {@code [U+XXXX]}, so that a stored name cannot
   * pass for another ("admin\u202Egpj.exe" would display as "adminexe.jpg"). Null stays null. The templates call it
   * on every stored text they show (never on a value a form posts back).
   */
  public static @Nullable String visible(@Nullable String text) {
    if (text == null || text.codePoints().noneMatch(Views::hidden)) {
      return text;
    }
    StringBuilder out = new StringBuilder(text.length() + 16);
    text.codePoints().forEach(c -> {
      if (hidden(c)) {
        out.append(String.format(java.util.Locale.ROOT, "[U+%04X]", c));
      } else {
        out.appendCodePoint(c);
      }
    });
    return out.toString();
  }

  private static boolean hidden(int c) {
    int type = Character.getType(c);
    return type == Character.FORMAT || type == Character.CONTROL || type == Character.LINE_SEPARATOR
        || type == Character.PARAGRAPH_SEPARATOR || type == Character.SURROGATE;
  }

  /** What every page has: its title, the session's CSRF token (null before a session), a message shown once. */
  public record Page(String title, @Nullable String csrf, @Nullable String flash, boolean admin) {
    /** The CSRF token, or empty. */
    public String csrfValue() {
      return csrf == null ? "" : csrf;
    }
  }

  /**
   * A token as a row of the list: with its last refresh by a token manager (a dash when none is known) and how many
   * of its refreshes or exchanges failed in the last 24 hours (of its newest recorded events). A record that cannot
   * be read (an encrypted store's damaged record) has status {@code damaged} and its error code in {@code error}
   * (empty for every other record).
   */
  public record TokenRow(String id, String user, String client, String apiDomain, String status, String expiresIn,
      String lastRefresh, int recentFailures, String error) {}

  /** The sign-in page. */
  public record Login(Page page, @Nullable String error) {}

  /** The dashboard. */
  public record Dashboard(Page page, long total, List<StatusCount> counts, HourChart hours,
      List<History.Entry> recent) {}

  /** One bar of the dashboard: a status, its count and the bar's width (0 to 300). */
  public record StatusCount(String status, long count, int width, int y) {}

  /**
   * The refreshes and failures per hour as bars of an SVG drawn by the server: {@value #HEIGHT} units tall at most,
   * two bars per hour ({@value #STEP} units apart).
   */
  public record HourChart(List<HourBar> bars, long max) {
    static final int HEIGHT = 120;
    static final int STEP = 20;

    /** The chart of {@code hours} (oldest first). */
    static HourChart of(List<Activity.Hour> hours) {
      long max = 1;
      for (Activity.Hour h : hours) {
        max = Math.max(max, Math.max(h.refreshed() + h.exchanged(), h.failed()));
      }
      List<HourBar> bars = new java.util.ArrayList<>();
      int x = 40;
      for (Activity.Hour h : hours) {
        long ok = h.refreshed() + h.exchanged();
        int okHeight = (int) (ok * HEIGHT / max);
        int failedHeight = (int) (h.failed() * HEIGHT / max);
        String label = h.start().toString().substring(11, 13);
        bars.add(new HourBar(label, ok, h.failed(), x, 10 + HEIGHT - okHeight, okHeight, 10 + HEIGHT - failedHeight,
            failedHeight));
        x += STEP;
      }
      return new HourChart(bars, max);
    }

    /** The width of the drawing. */
    public int width() {
      return 40 + STEP * bars.size() + 10;
    }
  }

  /** One hour of the chart: its label (the hour, UTC), counts, and the two bars' positions. */
  public record HourBar(String hour, long refreshed, long failed, int x, int okY, int okHeight, int failedY,
      int failedHeight) {
    /** Whether the hour's label is drawn (every sixth hour). */
    public boolean labelled() {
      return Integer.parseInt(hour) % 6 == 0;
    }
  }

  /** The token list. */
  public record TokenList(Page page, String q, String status, List<String> statuses, List<TokenRow> rows,
      long total, int pageNo, long pages, String firstHref, String nextHref) {}

  /**
   * A token's page; for a record that cannot be read, {@code error} holds why (its code and message, never a
   * secret; empty otherwise) and the page offers only its deletion.
   */
  public record TokenDetail(Page page, TokenRow row, String redirectUrl, String expiresAt, String accessToken,
      String refreshToken, String grantToken, String clientSecret, List<History.Entry> history, String error) {}

  /** The confirmation of a global logout. */
  public record LogoutAll(Page page, String client, int count, List<String> clients) {}

  /** The cleanup preview: how many tokens would go ({@code total}), the first of them as rows. */
  public record Cleanup(Page page, int days, int total, List<TokenRow> rows) {}

  /** The history page. */
  public record HistoryPage(Page page, List<History.Entry> entries) {}

  /** An error page. */
  public record Error(Page page, int status, String message) {}

  /** The portal's page. */
  public record Portal(Page page, @Nullable String user, @Nullable String tokenId, @Nullable String error,
      long timeoutMinutes) {}
}
