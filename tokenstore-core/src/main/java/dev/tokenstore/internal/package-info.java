/** Implementation details. Not API: anything here may change in any release. */
@NullMarked
package dev.tokenstore.internal;

import org.jspecify.annotations.NullMarked;
