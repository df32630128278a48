package dev.tokenstore.cli;

import dev.tokenstore.emulator.AccountsEmulator;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
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

  @Override
  public Integer call() throws InterruptedException {
    if (ttl <= 0) {
      throw new CliException(ExitCodes.USAGE, "--ttl must be a positive number of seconds.");
    }
    AccountsEmulator emulator =
        AccountsEmulator.builder().port(port).accessTokenTtl(Duration.ofSeconds(ttl)).user(user).start();
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
