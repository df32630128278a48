package dev.tokenstore.emulator;

import java.io.PrintStream;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import org.jspecify.annotations.Nullable;

/** The command line of {@link AccountsEmulator#main}. Not API. Stateless and thread-safe. */
final class Cli {
  static final String USAGE =
      String.join(
          System.lineSeparator(),
          "Usage: java dev.tokenstore.emulator.AccountsEmulator [options]",
          "Runs a local Zoho accounts emulator on 127.0.0.1 until stopped (Ctrl+C).",
          "  --port N                      port to listen on (default 0: a free port)",
          "  --ttl SECONDS                 access-token lifetime (default 3600)",
          "  --user EMAIL                  the auto-consent user (default " + AccountsEmulator.DEFAULT_USER + ")",
          "  --client ID:SECRET[:URI,...]  register a client (repeatable); without any, every client is accepted",
          "  --rotate                      rotate refresh tokens (RFC 6749)",
          "  --rfc-errors                  RFC 6749 errors with HTTP 400 instead of Zoho's with HTTP 200",
          "  --legacy-expires-in-ms        old replies: expires_in in milliseconds plus expires_in_sec",
          "  --help                        print this help");

  /** Exit status of a usage error. */
  static final int USAGE_ERROR = 2;

  private Cli() {}

  static void main(String[] args) throws InterruptedException {
    Parsed parsed = parse(args, System.err);
    if (parsed == null) {
      System.exit(USAGE_ERROR);
      return;
    }
    if (parsed.help) {
      System.out.println(USAGE);
      return;
    }
    AccountsEmulator emulator = start(parsed.builder, System.out);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  emulator.close();
                  stopped.countDown();
                },
                "accounts-emulator-shutdown"));
    stopped.await();
  }

  /** Starts the emulator and prints its URLs as {@code name: value} lines; the labels are stable. */
  static AccountsEmulator start(AccountsEmulator.Builder builder, PrintStream out) {
    AccountsEmulator emulator = builder.start();
    out.print(emulator.describe());
    out.println("Press Ctrl+C to stop.");
    out.flush();
    return emulator;
  }

  static final class Parsed {
    final AccountsEmulator.Builder builder = AccountsEmulator.builder();
    boolean help;
  }

  /** Parses the arguments; on a usage error prints it and the usage to {@code err} and returns null. */
  static @Nullable Parsed parse(String[] args, PrintStream err) {
    Parsed p = new Parsed();
    try {
      for (int i = 0; i < args.length; i++) {
        String a = args[i];
        switch (a) {
          case "--port" -> p.builder.port(Integer.parseInt(value(args, ++i, a)));
          case "--ttl" -> p.builder.accessTokenTtl(Duration.ofSeconds(Long.parseLong(value(args, ++i, a))));
          case "--user" -> p.builder.user(value(args, ++i, a));
          case "--client" -> {
            String[] parts = value(args, ++i, a).split(":", 3);
            if (parts.length < 2 || parts[0].isBlank()) {
              throw new IllegalArgumentException("--client needs ID:SECRET[:URI,...]");
            }
            String[] uris = parts.length == 3 ? parts[2].split(",") : new String[0];
            p.builder.registerClient(parts[0], parts[1], uris);
          }
          case "--rotate" -> p.builder.rotateRefreshTokens(true);
          case "--rfc-errors" -> p.builder.errorsWithHttp200(false);
          case "--legacy-expires-in-ms" -> p.builder.legacyExpiresInMillis(true);
          case "--help", "-h" -> p.help = true;
          default -> throw new IllegalArgumentException("unknown option " + a);
        }
      }
    } catch (IllegalArgumentException e) { // NumberFormatException included
      err.println("error: " + e.getMessage());
      err.println(USAGE);
      return null;
    }
    return p;
  }

  private static String value(String[] args, int i, String option) {
    if (i >= args.length) {
      throw new IllegalArgumentException(option + " needs a value");
    }
    return args[i];
  }
}
