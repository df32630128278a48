package dev.tokenstore.cli;

import java.io.PrintWriter;
import org.jspecify.annotations.Nullable;

/**
 * A one-line progress bar on stderr ({@code [#####.....] 50% 5/10}), redrawn at most 100 times; shown only when
 * switched on (by default when there is a terminal, {@link #onTerminal}). Not thread-safe.
 */
final class ProgressBar {
  private final PrintWriter err;
  private final boolean on;
  private int done;
  private int shown = -1;

  ProgressBar(PrintWriter err, boolean on) {
    this.err = err;
    this.on = on;
  }

  /** {@code --progress} / {@code --no-progress} when given, else whether this process has a terminal. */
  static boolean onTerminal(@Nullable Boolean option) {
    return option != null ? option : System.console() != null;
  }

  /** One more of {@code total} done. */
  void step(int total) {
    show(done + 1, total);
  }

  /** {@code done} of {@code total} done. */
  void show(int done, int total) {
    this.done = done;
    if (!on || total <= 0) {
      return;
    }
    int pct = (int) (100L * done / total);
    if (pct != shown) {
      shown = pct;
      int filled = pct * 30 / 100;
      err.print("\r[" + "#".repeat(filled) + ".".repeat(30 - filled) + "] " + pct + "% " + done + "/" + total);
      err.flush();
    }
  }

  /** Ends the bar's line (when one was drawn). */
  void done() {
    if (on && shown >= 0) {
      err.println();
      err.flush();
    }
  }
}
