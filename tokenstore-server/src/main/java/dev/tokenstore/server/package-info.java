/**
 * {@code tokenstore serve}: an HTTP token service over any {@link dev.tokenstore.TokenStore}. Applications in any
 * language ask {@code POST /api/v1/access-token} for a valid access token and never see a refresh token or a client
 * secret. Start one with {@link dev.tokenstore.server.TokenServer#builder}; keep its API keys with
 * {@link dev.tokenstore.server.ApiKeys}. The server keeps no state of its own: any number of instances share one
 * store, and its refresh leases make one token-endpoint call per expiry across all of them.
 */
@NullMarked
package dev.tokenstore.server;

import org.jspecify.annotations.NullMarked;
