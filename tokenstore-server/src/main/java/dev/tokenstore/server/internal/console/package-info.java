/**
 * The web console ({@code /console}) and the "Login with Zoho" portal ({@code /connect}) of
 * {@link dev.tokenstore.server.TokenServer}: server-rendered HTML (jte templates under {@code src/main/jte},
 * precompiled), sessions, CSRF tokens and the action history. Not API, may change in any release.
 */
@NullMarked
package dev.tokenstore.server.internal.console;

import org.jspecify.annotations.NullMarked;
