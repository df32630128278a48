package dev.tokenstore.emulator;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/** What an endpoint of the emulator answers: JSON with a status, a redirect, or an HTML error page. Immutable. */
record Reply(int status, @Nullable Map<String, Object> json, @Nullable String location, @Nullable String html) {
  static final String THROTTLE_DESCRIPTION =
      "You have made too many requests continuously. Please try again after some time.";

  static Reply json(int status, Map<String, Object> json) {
    return new Reply(status, json, null, null);
  }

  static Reply redirect(String location) {
    return new Reply(302, null, location, null);
  }

  static Reply page(int status, String text) {
    return new Reply(status, null, null, text);
  }

  /** A short outcome for debug logs: never contains a token. */
  String outcome() {
    if (location != null) {
      return "302";
    }
    Object error = json == null ? null : json.get("error");
    return status + (error == null ? "" : " " + error);
  }

  /** Zoho CRM's reply to an API call whose access token is expired, revoked, unknown or missing (HTTP 401). */
  static Reply invalidToken() {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("code", "INVALID_TOKEN");
    json.put("details", Map.of());
    json.put("message", "invalid oauth token");
    json.put("status", "error");
    return Reply.json(401, json);
  }

  /** A stand-in for a CRM API call's answer: HTTP 200 with an empty page of records. */
  static Reply noRecords() {
    Map<String, Object> info = new LinkedHashMap<>();
    info.put("count", 0);
    info.put("more_records", false);
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("data", List.of());
    json.put("info", info);
    return Reply.json(200, json);
  }

  /** Zoho's throttling reply ({@code Access Denied}, HTTP 400). */
  static Reply throttled() {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("error", "Access Denied");
    json.put("error_description", THROTTLE_DESCRIPTION);
    json.put("status", "failure");
    return Reply.json(400, json);
  }
}
