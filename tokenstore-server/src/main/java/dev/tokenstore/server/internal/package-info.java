/** The service's parts behind {@link dev.tokenstore.server.TokenServer}; not API, may change in any release. */
@NullMarked
package dev.tokenstore.server.internal;

import org.jspecify.annotations.NullMarked;
