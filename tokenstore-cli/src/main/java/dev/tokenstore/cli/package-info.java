/**
 * The {@code tokenstore} command-line tool (picocli): {@link dev.tokenstore.cli.Main} is the entry point of the
 * runnable jar. Not API: the commands, their options, output and exit codes are the interface. Everything here is
 * non-null unless annotated {@code @Nullable}.
 */
@NullMarked
package dev.tokenstore.cli;

import org.jspecify.annotations.NullMarked;
