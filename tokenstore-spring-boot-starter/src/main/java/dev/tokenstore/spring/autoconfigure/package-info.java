/**
 * Spring Boot auto-configuration of tokenstore ({@link dev.tokenstore.spring.autoconfigure.TokenstoreAutoConfiguration})
 * and its {@code tokenstore.*} properties ({@link dev.tokenstore.spring.autoconfigure.TokenstoreProperties}).
 * Everything here is non-null unless annotated {@code @Nullable}.
 */
@NullMarked
package dev.tokenstore.spring.autoconfigure;

import org.jspecify.annotations.NullMarked;
