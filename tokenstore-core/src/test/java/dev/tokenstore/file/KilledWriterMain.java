package dev.tokenstore.file;

import dev.tokenstore.OAuthToken;
import java.nio.file.Path;

/**
 * A writer process for {@link FileStoreCrashTest}: {@code <file>}. Opens the store and rewrites the (large) file
 * over and over, until the parent kills it with {@code kill -9} in the middle of a save.
 */
public final class KilledWriterMain {
  private KilledWriterMain() {}

  public static void main(String[] args) {
    Path file = Path.of(args[0]);
    try (FileTokenStore store = FileTokenStore.open(file)) {
      System.out.println("OPENED");
      System.out.flush();
      for (long i = 0; ; i++) {
        store.saveToken(OAuthToken.builder().id("1").accessToken("at-SECRET-" + i).build());
      }
    }
  }
}
