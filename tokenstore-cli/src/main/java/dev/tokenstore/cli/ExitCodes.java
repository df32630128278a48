package dev.tokenstore.cli;

/** The exit codes of every command; documented in {@code --help} and the README. Constants only. */
final class ExitCodes {
  /** Success. */
  static final int OK = 0;
  /** The command failed (store, server or input problem); the message on stderr says what to fix. */
  static final int FAILURE = 1;
  /** Usage error: unknown option or command, missing or malformed argument. */
  static final int USAGE = 2;
  /** The server no longer accepts the token: the user must authorize again ({@code tokenstore login}). */
  static final int REAUTHORIZE = 3;

  static final String FOOTER =
      "%nExit codes:%n"
          + "  0  success%n"
          + "  1  failure (store, server or input); the message on stderr says what to fix%n"
          + "  2  usage error (unknown option or command, missing or malformed argument)%n"
          + "  3  re-authorization required: the server no longer accepts the token%n"
          + "     (run 'tokenstore login' again)%n";

  private ExitCodes() {}
}
