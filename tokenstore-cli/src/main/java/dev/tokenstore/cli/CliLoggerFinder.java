package dev.tokenstore.cli;

import java.text.MessageFormat;
import java.time.LocalTime;
import java.time.temporal.ChronoUnit;
import java.util.ResourceBundle;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * Where the library's {@code System.Logger} output goes in the command-line tool: nowhere by default (the commands
 * print their own messages), to stderr with {@code --verbose} (the library's own loggers from DEBUG, others from
 * INFO). Registered as the JVM's {@link System.LoggerFinder} through {@code META-INF/services}, so that a command
 * never sets up java.util.logging (part of keeping a start short). Thread-safe.
 */
public final class CliLoggerFinder extends System.LoggerFinder {
  private static volatile boolean verbose;
  private static volatile boolean serving;

  /**
   * For {@code serve}, a long-running service: the library's INFO messages (the access log among them) and every
   * warning go to stderr even without {@code --verbose}.
   */
  static void serving(boolean on) {
    serving = on;
  }

  /** Turns the output on (stderr) or off for every logger. */
  static void verbose(boolean on) {
    verbose = on;
  }

  @Override
  public System.Logger getLogger(String name, Module module) {
    return new CliLogger(name);
  }

  private static final class CliLogger implements System.Logger {
    private final String name;
    private final Level threshold;

    CliLogger(String name) {
      this.name = name;
      this.threshold = name.startsWith("dev.tokenstore") ? Level.DEBUG : Level.INFO;
    }

    @Override
    public String getName() {
      return name;
    }

    @Override
    public boolean isLoggable(Level level) {
      if (level == Level.OFF) {
        return false;
      }
      if (verbose) {
        return level.getSeverity() >= threshold.getSeverity();
      }
      return serving && (level.getSeverity() >= Level.WARNING.getSeverity()
          || (name.startsWith("dev.tokenstore") && level.getSeverity() >= Level.INFO.getSeverity()));
    }

    @Override
    public void log(Level level, @Nullable ResourceBundle bundle, @Nullable String msg, @Nullable Throwable thrown) {
      if (isLoggable(level)) {
        print(level, msg, thrown);
      }
    }

    @Override
    public void log(Level level, @Nullable ResourceBundle bundle, @Nullable String format, @Nullable Object... params) {
      if (isLoggable(level)) {
        print(level, format == null || params == null || params.length == 0 ? format
            : MessageFormat.format(format, params), null);
      }
    }

    @Override
    public void log(Level level, Supplier<String> msgSupplier) {
      if (isLoggable(level)) {
        print(level, msgSupplier.get(), null);
      }
    }

    private void print(Level level, @Nullable String msg, @Nullable Throwable thrown) {
      synchronized (System.err) {
        System.err.println(LocalTime.now().truncatedTo(ChronoUnit.SECONDS) + " " + level + " " + name + ": " + msg);
        if (thrown != null) {
          thrown.printStackTrace(System.err);
        }
      }
    }
  }
}
