/**
 * For authors of stores: the matching rules as a value ({@link dev.tokenstore.spi.TokenKey}), the merge and
 * validation rules ({@link dev.tokenstore.spi.TokenRules}) and the {@link dev.tokenstore.spi.TokenStoreProvider}
 * through which a module adds URI schemes to {@link dev.tokenstore.TokenStores#open(String)}.
 */
@NullMarked
package dev.tokenstore.spi;

import org.jspecify.annotations.NullMarked;
