package dev.tokenstore.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** A small JSON client of the service for tests: real HTTP on loopback. */
final class Http {
  static final ObjectMapper JSON = new ObjectMapper();
  private final HttpClient client;
  private final URI base;

  Http(URI base) {
    this(base, HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build());
  }

  Http(URI base, HttpClient client) {
    this.base = base;
    this.client = client;
  }

  record Reply(int status, String body, HttpResponse<String> response) {
    JsonNode json() {
      try {
        return JSON.readTree(body);
      } catch (IOException e) {
        throw new UncheckedIOException("not JSON: " + body, e);
      }
    }

    String header(String name) {
      return response.headers().firstValue(name).orElse(null);
    }

    String contentType() {
      return header("Content-Type");
    }
  }

  Reply post(String path, String key, String json) {
    return send(request(path, key).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(json)));
  }

  Reply get(String path, String key) {
    return send(request(path, key).GET());
  }

  Reply delete(String path, String key) {
    return send(request(path, key).DELETE());
  }

  HttpRequest.Builder request(String path, String key) {
    // generous: a request may wait for a lease to lapse (ServeInstancesTest) on a loaded machine
    HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(60));
    if (key != null) {
      b.header("Authorization", "Bearer " + key);
    }
    return b;
  }

  Reply send(HttpRequest.Builder request) {
    try {
      HttpResponse<String> r = client.send(request.build(), HttpResponse.BodyHandlers.ofString());
      return new Reply(r.statusCode(), r.body(), r);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
