package dev.tokenstore.file;

import dev.tokenstore.TokenStore;
import dev.tokenstore.spi.StoreUris;
import dev.tokenstore.spi.TokenStoreProvider;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.List;

/**
 * Opens {@code file:PATH} as a {@link FileTokenStore}. Accepted forms:
 * <ul>
 *   <li>{@code file:sdk_tokens.txt}, {@code file:conf/sdk_tokens.txt}: relative to the working directory;
 *   <li>{@code file:/abs/path/sdk_tokens.txt}: absolute.
 * </ul>
 * In these two forms the text after {@code file:} is the path exactly as written (no percent-decoding), so
 * {@code file:my tokens.txt} works. A {@code file://} URI is read as a standard file URI instead:
 * {@code file:///abs/path} or {@code file://localhost/abs/path}, percent-decoded ({@code file:///a%20b.txt}
 * is {@code /a b.txt}); other hosts are rejected. No query parameters are accepted; {@code ~} is not expanded.
 *
 * <p>Thread-safe (stateless).
 */
public final class FileStoreProvider implements TokenStoreProvider {
  @Override
  public List<String> schemes() {
    return List.of("file");
  }

  @Override
  public TokenStore open(String uri) {
    return FileTokenStore.open(path(uri));
  }

  /** The path {@code uri} names. */
  static Path path(String uri) {
    String rest = uri.substring("file:".length());
    if (rest.isEmpty()) {
      throw StoreUris.invalid(uri, "no path after 'file:'. Use e.g. 'file:sdk_tokens.txt' or 'file:/var/lib/app/"
          + "sdk_tokens.txt'.");
    }
    if (rest.startsWith("//")) {
      return fromFileUri(uri, rest);
    }
    if (rest.indexOf('?') >= 0) {
      throw StoreUris.invalid(uri, "'file:' takes no parameters; remove the part from '?'.");
    }
    try {
      return Path.of(rest);
    } catch (InvalidPathException e) {
      throw StoreUris.invalid(uri, "'" + rest + "' is not a valid path here (" + e.getReason() + ").");
    }
  }

  private static Path fromFileUri(String uri, String rest) {
    URI parsed;
    try {
      parsed = new URI("file:" + rest);
    } catch (URISyntaxException e) {
      throw StoreUris.invalid(uri, "not a valid file URI (" + e.getReason() + "). Percent-encode spaces in "
          + "'file://' URIs, or write 'file:/abs/path' instead.");
    }
    if (parsed.getRawQuery() != null || parsed.getRawFragment() != null) {
      throw StoreUris.invalid(uri, "'file:' takes no parameters or fragment; remove the part from '?' or '#'.");
    }
    String host = parsed.getRawAuthority();
    if (host != null && !host.isEmpty() && !host.equalsIgnoreCase("localhost")) {
      throw StoreUris.invalid(uri, "files on another host ('" + host + "') are not supported. Use "
          + "'file:///abs/path' for a local file.");
    }
    String p = parsed.getPath();
    if (p == null || p.isEmpty() || p.equals("/")) {
      throw StoreUris.invalid(uri, "no file path. Use e.g. 'file:///var/lib/app/sdk_tokens.txt'.");
    }
    try {
      return Path.of(new URI("file", null, p, null));
    } catch (URISyntaxException | IllegalArgumentException | java.nio.file.FileSystemNotFoundException e) {
      throw StoreUris.invalid(uri, "not a usable local file path.");
    }
  }
}
