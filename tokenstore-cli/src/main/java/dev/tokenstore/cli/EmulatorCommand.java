package dev.tokenstore.cli;

import dev.tokenstore.emulator.AccountsEmulator;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code tokenstore emulator}: the local Zoho accounts emulator in the foreground. Not thread-safe (one per run). */
@Command(
    name = "emulator",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    showDefaultValues = true,
    footer = ExitCodes.FOOTER,
    description = {
      "Runs a local Zoho accounts emulator in the foreground until Ctrl+C.",
      "For offline development, on 127.0.0.1: authorization (auto-consent, PKCE), token, revoke and",
      "current-user endpoints.",
      "Any client id and secret are accepted."
    })
final class EmulatorCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--port", paramLabel = "N", defaultValue = "0", description = "Port (0: a free port).")
  int port;

  @Option(names = "--ttl", paramLabel = "SECONDS", defaultValue = "3600", description = "Access-token lifetime.")
  long ttl;

  @Option(names = "--user", paramLabel = "EMAIL", defaultValue = AccountsEmulator.DEFAULT_USER,
      description = "The user who consents.")
  String user;

  private static String describe(@Nullable IOException e) {
    return e instanceof BindException ? "the port is in use or not allowed" : "the system refused";
  }

  @Override
  public Integer call() throws InterruptedException {
    if (ttl <= 0) {
      throw new CliException(ExitCodes.USAGE, "--ttl must be a positive number of seconds.");
    }
    if (port < 0 || port > 65535) {
      throw new CliException(ExitCodes.USAGE, "--port must be 0 (a free port) or a port number up to 65535; got "
          + port + ".");
    }
    AccountsEmulator emulator;
    try {
      emulator = AccountsEmulator.builder().port(port).accessTokenTtl(Duration.ofSeconds(ttl)).user(user).start();
    } catch (UncheckedIOException e) {
      throw new CliException("Could not listen on 127.0.0.1:" + port + " (" + describe(e.getCause())
          + "). Choose another --port, or 0 for a free one.");
    }
    PrintWriter out = spec.commandLine().getOut();
    out.print(emulator.describe());
    out.println();
    out.println("Try: tokenstore --accounts-url " + emulator.baseUrl() + " --client-id any login --no-browser");
    out.println("Press Ctrl+C to stop.");
    out.flush();
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      emulator.close();
      stopped.countDown();
    }, "tokenstore-emulator-shutdown"));
    stopped.await();
    return ExitCodes.OK;
  }
}
