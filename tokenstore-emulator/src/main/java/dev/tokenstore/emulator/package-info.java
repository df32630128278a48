/**
 * A local emulator of Zoho's accounts server for tests, benchmarks, demos and offline development.
 *
 * <p>{@link dev.tokenstore.emulator.AccountsEmulator} serves Zoho's authorization, token, revoke and
 * {@code /crm/v8/users?type=CurrentUser} endpoints and a stand-in for other CRM API calls on 127.0.0.1, with Zoho's
 * limits, an RFC 6749 mode, call counters, fault injection ({@link dev.tokenstore.emulator.Faults}) and helpers that
 * issue and revoke tokens without HTTP. It is an independent implementation of
 * the protocol and does not depend on tokenstore-core, so tests of the library against it do not test the library
 * against itself. Everything in this package is non-null unless annotated {@code @Nullable}.
 */
@NullMarked
package dev.tokenstore.emulator;

import org.jspecify.annotations.NullMarked;
