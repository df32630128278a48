package dev.tokenstore.jdbc;

import java.util.List;
import java.util.Objects;

/**
 * One step of a token table's schema: the statements that take a table from {@code version - 1} to
 * {@code version}. {@link JdbcTokenStore} records the version reached per table name in the
 * {@value JdbcTokenStore#SCHEMA_TABLE} table and runs, on open, each step above it in one write transaction.
 *
 * <p>Rules for new steps, so that Zoho's SDKs keep reading the table: never drop, rename or reorder Zoho's ten
 * columns; add new columns only at the end ({@code ALTER TABLE ... ADD COLUMN}, which appends) or in separate
 * tables; make statements idempotent where the engine allows ({@code IF NOT EXISTS}), because a table made by
 * Zoho's DDL starts at version 0 even though it already has the ten columns.
 *
 * <p>Immutable and thread-safe.
 *
 * @param version the version this step reaches, from 1 up with no gaps
 * @param description what the step does, for logs
 * @param statements the DDL to run, in order; identifiers already validated and quoted by the dialect
 */
public record SchemaMigration(int version, String description, List<String> statements) {
  public SchemaMigration {
    if (version < 1) {
      throw new IllegalArgumentException("migration versions start at 1: " + version);
    }
    Objects.requireNonNull(description, "description");
    statements = List.copyOf(statements);
  }
}
