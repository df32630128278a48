/**
 * The conformance kit: extend {@link dev.tokenstore.testkit.TokenStoreContract} to check that a store (ours
 * or yours) keeps every promise of {@link dev.tokenstore.TokenStore}.
 */
@NullMarked
package dev.tokenstore.testkit;

import org.jspecify.annotations.NullMarked;
