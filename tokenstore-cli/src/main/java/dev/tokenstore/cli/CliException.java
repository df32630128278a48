package dev.tokenstore.cli;

/**
 * A failure the command reports with a message (no stack trace) and an exit code. Immutable and thread-safe.
 */
final class CliException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int exitCode;

  CliException(String message) {
    this(ExitCodes.FAILURE, message);
  }

  CliException(int exitCode, String message) {
    super(message);
    this.exitCode = exitCode;
  }

  int exitCode() {
    return exitCode;
  }
}
