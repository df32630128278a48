/**
 * The file store ({@code file:PATH}): tokens in Zoho's {@code sdk_tokens.txt} CSV format, written atomically
 * and safely shared by threads and processes. See {@link dev.tokenstore.file.FileTokenStore}.
 */
@NullMarked
package dev.tokenstore.file;

import org.jspecify.annotations.NullMarked;
