package dev.tokenstore.server;

import dev.tokenstore.server.internal.Api;
import java.util.List;

/** Package-private views of a server for tests. */
final class TestAccess {
  private TestAccess() {}

  static List<Api.Route> routes(TokenServer server) {
    return server.routes();
  }
}
