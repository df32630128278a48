package dev.tokenstore.crypto;

import dev.tokenstore.ErrorCode;
import dev.tokenstore.TokenstoreException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;

/**
 * A keyring kept in a file (the text of {@link Keyring#toJson()}), created {@code 0600} in a folder created
 * {@code 0700}, replaced atomically (temp file, fsync, rename, folder fsync) and read again when it changes, so
 * that a {@code tokenstore keys rotate} reaches running processes (see {@link KeyProvider}).
 *
 * <p>The file holds key material: it is refused when its permissions let the group or others read or write it
 * (as {@code ssh} refuses a private key), on systems with POSIX permissions.
 *
 * <p>Thread-safe. Changes ({@link #update}) are serialised across processes by an OS lock on
 * {@code <file>.lock}.
 */
public final class KeyringFile implements KeyProvider {
  private static final Set<PosixFilePermission> OWNER_ONLY =
      EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);

  /** The largest keyring file read: 1 MiB (a keyring of a thousand keys is well under 200 KiB). */
  static final int MAX_BYTES = 1 << 20;

  private final Path path;
  private final Object lock = new Object();
  private @Nullable Stamp stamp;
  private @Nullable Keyring held;

  private record Stamp(long modified, long size, @Nullable Object fileKey) {}

  private KeyringFile(Path path) {
    this.path = path.toAbsolutePath().normalize();
  }

  /** The keyring file at {@code path}; nothing is read until {@link #keyring()}. */
  public static KeyringFile at(Path path) {
    return new KeyringFile(Objects.requireNonNull(path, "path"));
  }

  /** The file's path. */
  public Path path() {
    return path;
  }

  /**
   * Writes {@code keyring} to a new file at {@code path} ({@code 0600}; missing folders are created {@code 0700}).
   *
   * @throws TokenstoreException {@link ErrorCode#KEYRING_ERROR} when the file exists (it is never overwritten:
   *     records encrypted with its keys would be lost) or cannot be written
   */
  public static KeyringFile create(Path path, Keyring keyring) {
    KeyringFile f = at(path);
    try {
      Path dir = f.path.getParent();
      if (dir != null && !Files.isDirectory(dir)) {
        Files.createDirectories(dir, privateAttributes(dir, true));
      }
      try (FileChannel ch = FileChannel.open(f.path, Set.<OpenOption>of(StandardOpenOption.CREATE_NEW,
          StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS), privateAttributes(f.path, false))) {
        ch.write(ByteBuffer.wrap(keyring.toJson().getBytes(StandardCharsets.UTF_8)));
        ch.force(true);
      }
      syncFolder(f.path);
    } catch (FileAlreadyExistsException e) {
      throw new TokenstoreException(ErrorCode.KEYRING_ERROR, "The keyring file " + f.path + " exists; it is "
          + "never overwritten (records encrypted with its keys would become unreadable). Use 'tokenstore keys "
          + "rotate' to add a key, or choose another path.");
    } catch (IOException e) {
      throw failed("create", f.path, e);
    }
    return f;
  }

  @Override
  public Keyring keyring() {
    synchronized (lock) {
      Stamp now = stamp();
      if (held == null || !now.equals(stamp)) {
        held = read();
        stamp = now;
      }
      return held;
    }
  }

  /**
   * Replaces the keyring with {@code change.apply(current)}, atomically, under a lock that serialises changes from
   * every process; returns the new keyring.
   */
  public Keyring update(UnaryOperator<Keyring> change) {
    Path lockFile = path.resolveSibling(path.getFileName() + ".lock");
    try (FileChannel lc = FileChannel.open(lockFile, Set.<OpenOption>of(StandardOpenOption.CREATE, StandardOpenOption.WRITE,
            LinkOption.NOFOLLOW_LINKS), privateAttributes(lockFile, false));
        FileLock ignored = lc.lock()) {
      Keyring next = change.apply(read());
      Path temp = Files.createTempFile(path.getParent(), "." + path.getFileName() + ".", ".tmp",
          privateAttributes(path, false));
      try {
        try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.WRITE)) {
          ch.write(ByteBuffer.wrap(next.toJson().getBytes(StandardCharsets.UTF_8)));
          ch.force(true);
        }
        try {
          Files.move(temp, path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
          Files.move(temp, path, StandardCopyOption.REPLACE_EXISTING);
        }
        syncFolder(path);
      } finally {
        Files.deleteIfExists(temp);
      }
      synchronized (lock) {
        held = null;
      }
      return next;
    } catch (IOException e) {
      throw failed("update", path, e);
    }
  }

  private Keyring read() {
    try {
      checkPrivate();
      if (!Files.isRegularFile(path)) { // a FIFO would block the read forever, a device never end it
        throw new TokenstoreException(ErrorCode.KEYRING_ERROR, "The keyring file " + path + " is not a regular "
            + "file. Give the path of the file 'tokenstore keys init' made.");
      }
      String text;
      try (var in = Files.newInputStream(path)) {
        byte[] bytes = in.readNBytes(MAX_BYTES + 1);
        if (bytes.length > MAX_BYTES) {
          throw new TokenstoreException(ErrorCode.KEYRING_ERROR, "The keyring file " + path + " is larger than "
              + MAX_BYTES + " bytes, far more than a keyring; it is not one.");
        }
        text = new String(bytes, StandardCharsets.UTF_8);
      }
      return Keyring.fromJson(text, "The keyring file " + path);
    } catch (NoSuchFileException e) {
      throw new TokenstoreException(ErrorCode.KEYRING_ERROR, "The keyring file " + path + " does not exist. "
          + "Create one with 'tokenstore --keyring " + path + " keys init', or give the right path (--keyring, "
          + "TOKENSTORE_KEYRING).");
    } catch (IOException e) {
      throw failed("read", path, e);
    }
  }

  private Stamp stamp() {
    try {
      BasicFileAttributes a = Files.readAttributes(path, BasicFileAttributes.class);
      return new Stamp(a.lastModifiedTime().toMillis(), a.size(), a.fileKey());
    } catch (IOException e) {
      return new Stamp(-1, -1, null); // read() says what is wrong
    }
  }

  private void checkPrivate() throws IOException {
    if (!Files.getFileStore(path).supportsFileAttributeView("posix")) {
      return;
    }
    Set<PosixFilePermission> perms = Files.getPosixFilePermissions(path);
    EnumSet<PosixFilePermission> extra = EnumSet.copyOf(perms);
    extra.removeAll(EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE,
        PosixFilePermission.OWNER_EXECUTE));
    if (!extra.isEmpty()) {
      throw new TokenstoreException(ErrorCode.KEYRING_ERROR, "The keyring file " + path + " is open to others ("
          + PosixFilePermissions.toString(perms) + "); it holds the keys of every stored token. Run 'chmod 600 "
          + path + "' (in Kubernetes, mount the secret with defaultMode 0400).");
    }
  }

  private static FileAttribute<?>[] privateAttributes(Path near, boolean folder) throws IOException {
    Path probe = near;
    while (probe != null && !Files.exists(probe)) {
      probe = probe.getParent();
    }
    if (probe == null || !Files.getFileStore(probe).supportsFileAttributeView("posix")) {
      return new FileAttribute<?>[0];
    }
    Set<PosixFilePermission> p = EnumSet.copyOf(OWNER_ONLY);
    if (folder) {
      p.add(PosixFilePermission.OWNER_EXECUTE);
    }
    return new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(p)};
  }

  private static void syncFolder(Path file) {
    Path dir = file.getParent();
    if (dir == null) {
      return;
    }
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException | UnsupportedOperationException e) {
      // some systems cannot open a folder; the rename is still atomic
    }
  }

  private static TokenstoreException failed(String what, Path path, IOException e) {
    String reason = e instanceof AccessDeniedException ? "permission denied" : e.getClass().getSimpleName()
        + (e.getMessage() == null ? "" : ": " + e.getMessage());
    return new TokenstoreException(ErrorCode.KEYRING_ERROR,
        "Could not " + what + " the keyring file " + path + " (" + reason + ").");
  }

  @Override
  public String description() {
    return "the keyring file " + path;
  }

  @Override
  public String toString() {
    return "KeyringFile[" + path + "]";
  }
}
