/**
 * SQL token stores over JDBC: {@link dev.tokenstore.jdbc.JdbcTokenStore} on any {@link javax.sql.DataSource}
 * with a {@link dev.tokenstore.jdbc.SqlDialect}. Built in: SQLite ({@code sqlite:PATH}, {@code sqlite::memory:},
 * {@code jdbc:sqlite:...}), MySQL/MariaDB ({@code mysql://}, {@code mariadb://}, {@code jdbc:mysql:},
 * {@code jdbc:mariadb:}) and PostgreSQL ({@code postgresql://}, {@code postgres://}, {@code jdbc:postgresql:}),
 * through {@link dev.tokenstore.TokenStores#open(String)} or the builders, on Zoho's {@code oauthtoken} table.
 */
@NullMarked
package dev.tokenstore.jdbc;

import org.jspecify.annotations.NullMarked;
