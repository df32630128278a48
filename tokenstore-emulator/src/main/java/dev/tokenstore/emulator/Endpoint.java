package dev.tokenstore.emulator;

/** The endpoints the emulator serves; used to aim faults at one of them. Immutable and thread-safe. */
public enum Endpoint {
  /** {@code GET /oauth/v2/auth}: authorization with auto-consent. */
  AUTHORIZATION,
  /** {@code POST /oauth/v2/token}: code exchange and refresh. */
  TOKEN,
  /** {@code POST /oauth/v2/token/revoke}: revocation of a refresh or access token. */
  REVOKE,
  /** {@code GET /crm/v8/users?type=CurrentUser}: the API call Zoho's SDK makes to learn the user's e-mail. */
  USER_INFO
}
