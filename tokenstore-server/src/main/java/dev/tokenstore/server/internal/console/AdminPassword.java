package dev.tokenstore.server.internal.console;

import dev.tokenstore.ErrorCode;
import dev.tokenstore.TokenstoreException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import org.bouncycastle.crypto.generators.Argon2BytesGenerator;
import org.bouncycastle.crypto.params.Argon2Parameters;

/**
 * The console's admin password, kept in memory only as an Argon2id hash (Bouncy Castle; OWASP's minimum: 19 MiB,
 * 2 passes, 1 lane) with a random salt: the clear text read from the password file is wiped once hashed, so a heap
 * dump does not show it, and a guess costs tens of milliseconds. Immutable and thread-safe.
 */
public final class AdminPassword {
  /** The one user name of the console. */
  public static final String USER = "admin";

  private static final int MEMORY_KIB = 19 * 1024;
  private static final int PASSES = 2;
  private static final int MIN_LENGTH = 12;
  private static final java.util.concurrent.Semaphore HASHING =
      new java.util.concurrent.Semaphore(Math.max(1, Runtime.getRuntime().availableProcessors()));

  private final byte[] salt;
  private final byte[] hash;

  private AdminPassword(byte[] salt, byte[] hash) {
    this.salt = salt;
    this.hash = hash;
  }

  /**
   * The password in {@code file} (its first line, without surrounding white space or a byte order mark).
   *
   * @throws TokenstoreException {@link ErrorCode#INVALID_ARGUMENT} when the file cannot be read or the password is
   *     shorter than 12 characters
   */
  public static AdminPassword fromFile(Path file) {
    byte[] raw;
    try {
      raw = Files.readAllBytes(file);
    } catch (IOException e) {
      throw new TokenstoreException(ErrorCode.INVALID_ARGUMENT, "The admin password file " + file + " cannot be read ("
          + e.getClass().getSimpleName() + ").");
    }
    CharBuffer chars = StandardCharsets.UTF_8.decode(ByteBuffer.wrap(raw));
    Arrays.fill(raw, (byte) 0);
    char[] all = new char[chars.remaining()];
    chars.get(all);
    Arrays.fill(chars.array(), '\0');
    int end = 0;
    while (end < all.length && all[end] != '\n' && all[end] != '\r') {
      end++;
    }
    int start = 0;
    while (start < end && (Character.isWhitespace(all[start]) || all[start] == '\uFEFF')) { // a BOM (Notepad)
      start++;
    }
    while (end > start && Character.isWhitespace(all[end - 1])) {
      end--;
    }
    char[] password = Arrays.copyOfRange(all, start, end);
    Arrays.fill(all, '\0');
    try {
      if (password.length < MIN_LENGTH) {
        throw new TokenstoreException(ErrorCode.INVALID_ARGUMENT, "The admin password in " + file + " is shorter "
            + "than " + MIN_LENGTH + " characters; use a longer one (e.g. openssl rand -base64 24).");
      }
      return of(password);
    } finally {
      Arrays.fill(password, '\0');
    }
  }

  /** The hash of {@code password} (the array is not changed). */
  public static AdminPassword of(char[] password) {
    byte[] salt = new byte[16];
    new SecureRandom().nextBytes(salt);
    return new AdminPassword(salt, argon2(salt, password));
  }

  /**
   * Whether {@code user} and {@code password} are the admin's (compared in constant time). At most as many hashes
   * as there are processors are computed at once (each takes {@value #MEMORY_KIB} KiB); more callers wait.
   */
  public boolean matches(String user, char[] password) {
    byte[] got;
    HASHING.acquireUninterruptibly();
    try {
      got = argon2(salt, password);
    } finally {
      HASHING.release();
    }
    boolean same = MessageDigest.isEqual(hash, got);
    return same && USER.equals(user);
  }

  private static byte[] argon2(byte[] salt, char[] password) {
    Argon2Parameters p = new Argon2Parameters.Builder(Argon2Parameters.ARGON2_id)
        .withVersion(Argon2Parameters.ARGON2_VERSION_13)
        .withMemoryAsKB(MEMORY_KIB)
        .withIterations(PASSES)
        .withParallelism(1)
        .withSalt(salt)
        .build();
    Argon2BytesGenerator g = new Argon2BytesGenerator();
    g.init(p);
    byte[] out = new byte[32];
    g.generateBytes(password, out);
    return out;
  }

  @Override
  public String toString() {
    return "AdminPassword[argon2id]";
  }
}
