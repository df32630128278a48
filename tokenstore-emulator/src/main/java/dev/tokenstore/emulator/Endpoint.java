package dev.tokenstore.emulator;

/**
 * The endpoints an {@link AccountsEmulator} serves, all on one port (so the accounts server and the API domain are
 * the same URL); used to aim faults at one of them and documenting what each answers. Immutable and thread-safe.
 */
public enum Endpoint {
  /**
   * {@code GET /oauth/v2/auth} ({@link AccountsEmulator#authorizationUrl()}): consents at once on behalf of the
   * configured user (or the user named by the emulator-only parameter {@code login_hint}) and redirects with 302 to
   * {@code redirect_uri?state=..&code=..&location=us&accounts-server=<baseUrl>}. A missing or unknown client or an
   * unregistered redirect URI gives an HTML error page with HTTP 400 (the emulator never redirects to an
   * unregistered URI); an unsupported {@code response_type} redirects with {@code error=}. PKCE
   * ({@code code_challenge}, methods {@code S256} and {@code plain}) is supported. The reply to the exchange has a
   * refresh token only if {@code access_type=offline} was asked.
   */
  AUTHORIZATION,
  /**
   * {@code POST /oauth/v2/token} ({@link AccountsEmulator#tokenUrl()}), form-encoded (parameters in the query string
   * are accepted too, as Zoho does): {@code grant_type=authorization_code} and {@code grant_type=refresh_token}.
   * Grant codes are single-use (the first attempt by the right client consumes the code, even if it then fails)
   * and expire after {@link AccountsEmulator.Builder#grantCodeTtl}. Errors are Zoho's ({@code invalid_code},
   * {@code invalid_client}, {@code invalid_client_secret}, {@code invalid_redirect_uri}) with HTTP 200, or with
   * {@link AccountsEmulator.Builder#errorsWithHttp200 errorsWithHttp200(false)} RFC 6749's ({@code invalid_grant},
   * {@code invalid_client}, {@code invalid_request}, {@code unsupported_grant_type}) with HTTP 400 and an
   * {@code error_description}. Throttling ({@code Access Denied}) is always HTTP 400.
   */
  TOKEN,
  /**
   * {@code POST /oauth/v2/token/revoke?token=...} ({@link AccountsEmulator#revokeUrl()}; a form body works too):
   * revokes a refresh token (and every access token made from it) or a single access token,
   * {@code {"status":"success"}}; an unknown or missing token gives HTTP 400.
   */
  REVOKE,
  /**
   * {@code GET /crm/v8/users?type=CurrentUser} (any {@code /crm/vN/users}; {@link AccountsEmulator#currentUserUrl()})
   * with {@code Authorization: Zoho-oauthtoken <access>} or {@code Bearer <access>}: the user who consented, the
   * API call Zoho's SDK makes to learn the user's e-mail. An expired, revoked, unknown or missing token (or any
   * token while {@link AccountsEmulator#rejectApiCalls} is on) gives HTTP 401 {@code INVALID_TOKEN}.
   */
  USER_INFO,
  /**
   * Any other path under {@code /crm/vN/} (e.g. {@code /crm/v8/Leads}; {@link AccountsEmulator#apiUrl}), any
   * method: a stand-in for the CRM API calls a client makes with its access token, not an emulation of CRM data.
   * With a valid token (as for {@link #USER_INFO}) it answers HTTP 200 with an empty page of records,
   * {@code {"data":[],"info":{"count":0,"more_records":false}}}; otherwise HTTP 401 {@code INVALID_TOKEN}.
   */
  API
}
