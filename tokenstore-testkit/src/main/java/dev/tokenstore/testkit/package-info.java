/**
 * The conformance kit: extend {@link dev.tokenstore.testkit.TokenStoreContract} to check that a store (ours
 * or yours) keeps every promise of {@link dev.tokenstore.TokenStore};
 * {@link dev.tokenstore.testkit.RefreshCoordinationContract} and {@link dev.tokenstore.testkit.EntryTableContract}
 * check the optional capabilities {@code RefreshCoordination}, {@code ConditionalSave} and {@code EntryTable}.
 */
@NullMarked
package dev.tokenstore.testkit;

import org.jspecify.annotations.NullMarked;
