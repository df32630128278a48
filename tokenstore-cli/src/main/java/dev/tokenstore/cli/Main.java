package dev.tokenstore.cli;

import dev.tokenstore.ErrorCode;
import dev.tokenstore.TokenstoreException;
import java.io.PrintWriter;
import java.util.Arrays;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;

/** Entry point of the runnable jar: {@code java -jar tokenstore.jar [options] COMMAND}. Stateless; thread-safe. */
public final class Main {

  private Main() {}

  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Runs the command line and returns its exit code (see {@link ExitCodes}). */
  static int run(String[] args) {
    return run(args, null, null, System.getenv());
  }

  /**
   * Runs the command line with its output and errors going to {@code out} and {@code err} (stdout and stderr when
   * null) and {@code environment} as the variables the command reads itself (see
   * {@link TokenstoreCommand#environment}): how tests run it in-process.
   */
  static int run(String[] args, @Nullable PrintWriter out, @Nullable PrintWriter err,
      Map<String, String> environment) {
    boolean verbose = Arrays.asList(args).contains("--verbose")
        || "true".equalsIgnoreCase(environment.get("TOKENSTORE_VERBOSE"));
    configureLogging(verbose);
    CommandLine cl = commandLine(environment);
    if (out != null) {
      cl.setOut(out);
    }
    if (err != null) {
      cl.setErr(err);
    }
    cl.setExecutionExceptionHandler(
        (ex, commandLine, parseResult) -> report(ex, commandLine.getErr(), verbose));
    cl.setExecutionStrategy(parseResult -> {
      refuseEmptyValues(parseResult);
      return new CommandLine.RunLast().execute(parseResult);
    });
    return cl.execute(args);
  }

  /**
   * An option given an empty or blank value ({@code --store ""}), or a {@code TOKENSTORE_*} variable set to one,
   * is a usage error: leaving such a value out silently would act on something the user did not choose.
   */
  static void refuseEmptyValues(CommandLine.ParseResult parseResult) {
    for (CommandLine.ParseResult pr = parseResult; pr != null; pr = pr.subcommand()) {
      for (CommandLine.Model.OptionSpec o : pr.matchedOptions()) {
        if (o.arity().max() > 0 && o.stringValues().stream().anyMatch(String::isBlank)) {
          throw new CommandLine.ParameterException(pr.commandSpec().commandLine(), "The option " + o.longestName()
              + " was given an empty value. Give it a value, or leave the option out.");
        }
      }
    }
    CommandLine root = parseResult.commandSpec().commandLine();
    Map<String, String> environment = ((TokenstoreCommand) root.getCommand()).environment;
    for (String name : TokenstoreCommand.ENVIRONMENT) {
      String v = environment.get(name);
      if (v != null && v.isBlank()) {
        throw new CommandLine.ParameterException(root, "The environment variable " + name + " is set but empty. "
            + "Give it a value, or unset it.");
      }
    }
  }

  static CommandLine commandLine() {
    return commandLine(System.getenv());
  }

  static CommandLine commandLine(Map<String, String> environment) {
    TokenstoreCommand command = new TokenstoreCommand();
    command.environment = environment;
    CommandLine cl = new CommandLine(command);
    cl.setCaseInsensitiveEnumValuesAllowed(true);
    cl.setUsageHelpAutoWidth(true);
    return cl;
  }

  /** Prints a failure as one message on stderr (a stack trace only with {@code --verbose}) and maps it to an exit code. */
  static int report(Exception ex, PrintWriter err, boolean verbose) {
    int code;
    if (ex instanceof TokenstoreException tse) {
      err.println("error: [" + tse.code() + "] " + TerminalText.lines(message(tse)));
      code = tse.code() == ErrorCode.REAUTHORIZATION_REQUIRED ? ExitCodes.REAUTHORIZE : ExitCodes.FAILURE;
      if (code == ExitCodes.REAUTHORIZE) {
        err.println("Run 'tokenstore login' (or 'tokenstore exchange' with a new grant token) to authorize again.");
      } else if (tse.code() == ErrorCode.TOKEN_NOT_SAVED) {
        err.println("The new tokens were lost when this command ended. Make the store writable. If the message "
            + "says the server rotated the refresh token, run 'tokenstore login' to authorize again; otherwise run "
            + "the command again.");
      }
    } else if (ex instanceof CliException ce) {
      err.println("error: " + TerminalText.lines(String.valueOf(ce.getMessage())));
      code = ce.exitCode();
    } else if (ex instanceof CommandLine.ParameterException pe) {
      err.println("error: " + TerminalText.lines(String.valueOf(pe.getMessage())));
      code = ExitCodes.USAGE;
    } else {
      String msg = ex.getMessage();
      err.println("error: " + ex.getClass().getSimpleName() + (msg == null ? "" : ": " + TerminalText.lines(msg)));
      if (!verbose) {
        err.println("Run again with --verbose for details.");
      }
      code = ExitCodes.FAILURE;
    }
    if (verbose) {
      ex.printStackTrace(err);
    }
    err.flush();
    return code;
  }

  /**
   * The message of {@code e} as the command line says it: the library's advice for an encrypted store opened
   * without its keyring names both the CLI's option and the Java class; here it names the option only.
   */
  static String message(TokenstoreException e) {
    String m = String.valueOf(e.getMessage());
    if (e.code() == ErrorCode.ENCRYPTED_STORE) {
      int advice = m.indexOf(" Give the keyring:");
      return (advice < 0 ? m : m.substring(0, advice)) + " Run the command again with --keyring SPEC (the keyring "
          + "file's path, env:NAME or pkcs12:PATH it was encrypted with), or set TOKENSTORE_KEYRING.";
    }
    return m;
  }

  /**
   * The library logs through {@code System.Logger}, which {@link CliLoggerFinder} sends nowhere by default (the
   * commands print their own messages) and to stderr with {@code --verbose}. SLF4J output (HikariCP) is dropped by
   * slf4j-nop.
   */
  static void configureLogging(boolean verbose) {
    CliLoggerFinder.verbose(verbose);
  }

}
