/** The in-memory store ({@code memory:}). */
@NullMarked
package dev.tokenstore.memory;

import org.jspecify.annotations.NullMarked;
