package dev.tokenstore.server.internal.console;

import gg.jte.ContentType;
import gg.jte.TemplateEngine;
import gg.jte.output.StringOutput;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;

/**
 * Rendering and the headers of every page: a Content-Security-Policy that allows no script and no inline style,
 * no framing, no referrer (a callback URL carries a code), no caching, no MIME sniffing. Thread-safe.
 */
final class Web {
  static final String CSP = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
      + "frame-ancestors 'none'; base-uri 'none'";
  /** The request attribute that tells the service's error handlers the page is written (not a JSON problem). */
  static final String WRITTEN = dev.tokenstore.server.internal.Api.PROBLEM;

  private static final TemplateEngine ENGINE = TemplateEngine.createPrecompiled(ContentType.Html);
  private static final byte[] CSS = css();

  private Web() {}

  static void headers(Context ctx) {
    ctx.header("Content-Security-Policy", CSP);
    ctx.header("X-Frame-Options", "DENY");
    ctx.header("X-Content-Type-Options", "nosniff");
    ctx.header("Referrer-Policy", "no-referrer");
    ctx.header("Cache-Control", "no-store");
    ctx.header("Cross-Origin-Opener-Policy", "same-origin");
  }

  /** Renders {@code template} (e.g. {@code "tokens.jte"}) with {@code model}. */
  static void render(Context ctx, int status, String template, Object model) {
    StringOutput out = new StringOutput();
    ENGINE.render(template, model, out);
    headers(ctx);
    ctx.attribute(WRITTEN, "html");
    ctx.status(status).contentType("text/html; charset=utf-8").result(out.toString());
  }

  /**
   * The error page for a request Javalin refused while a handler read it (e.g. 413: a form larger than the service
   * takes): its status, not an unexpected failure.
   */
  static void refused(Context ctx, io.javalin.http.HttpResponseException e) {
    int status = e.getStatus() >= 400 && e.getStatus() < 600 ? e.getStatus() : 400;
    render(ctx, status, "error.jte", new Views.Error(new Views.Page("Error", null, null, false), status,
        status == 413 ? "The form is larger than the service takes." : "The request was refused (" + status + ")."));
  }

  /** A 303 to {@code path} (after a POST, or to the sign-in page). */
  static void seeOther(Context ctx, String path) {
    headers(ctx);
    ctx.attribute(WRITTEN, "html");
    ctx.status(303).header("Location", path).result("");
  }

  static void css(Context ctx) {
    ctx.header("Cache-Control", "max-age=300");
    ctx.header("X-Content-Type-Options", "nosniff");
    ctx.status(200).contentType("text/css; charset=utf-8").result(CSS);
  }

  private static byte[] css() {
    try (InputStream in = Web.class.getResourceAsStream("/dev/tokenstore/server/console/console.css")) {
      if (in == null) {
        throw new IllegalStateException("console.css is missing from the jar");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new IllegalStateException("console.css could not be read", e);
    }
  }
}
