package dev.tokenstore.file;

import dev.tokenstore.ErrorCode;
import dev.tokenstore.StoreException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.UserPrincipal;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.LongFunction;
import org.jspecify.annotations.Nullable;

/**
 * The one way the file store opens the files it keeps next to a token file: sidecars ({@code <name>.lock},
 * {@code <name>.refresh.lock}, and any later one) and the temp files of atomic rewrites
 * ({@code .<name>.<random>.tmp}). The token folder may be writable by someone else, so a name in it may be a
 * planted link; every open here:
 * <ul>
 *   <li>never follows a symbolic link ({@link LinkOption#NOFOLLOW_LINKS}, {@code O_NOFOLLOW}): a link at the name
 *       is refused, so the process cannot be made to create or overwrite the file a link points to;
 *   <li>checks, on the opened name and without following links, that it is a regular file (not a folder, FIFO or
 *       device), has no other hard link (a hard link to another file of the user would be written through just
 *       the same) and is owned by the user running this process;
 *   <li>creates a missing file with the given attributes (0600 on POSIX); temp files are always new
 *       ({@link StandardOpenOption#CREATE_NEW}), so an existing name is never reused.
 * </ul>
 * A refusal is a {@link StoreException} with {@link ErrorCode#UNSAFE_FILE} naming the file, what is wrong with it
 * and what to do; other I/O failures are thrown as {@link IOException} for the caller to report.
 *
 * <p>To add a sidecar: {@code PrivateFiles.openSidecar(sidecar(tokenFile, ".lifetimes"), attributes, "lifetimes
 * file")}.
 *
 * <p>Static methods only; thread-safe.
 */
final class PrivateFiles {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final String TEMP_SUFFIX = ".tmp";
  private static final int TEMP_ATTEMPTS = 100;
  /** The uid of this process (the owner of {@code /proc/self}), or null where there is no such file. */
  private static final @Nullable Object PROCESS_UID = processUid();

  private PrivateFiles() {}

  /** A file opened at {@code path} and the identity (device and inode, or the platform's file key) it had. */
  record Opened(Path path, FileChannel channel, @Nullable Object identity) {}

  /** The sidecar {@code <name><suffix>} next to the token file {@code tokenFile}. */
  static Path sidecar(Path tokenFile, String suffix) {
    return tokenFile.resolveSibling(tokenFile.getFileName() + suffix);
  }

  /**
   * Opens the sidecar {@code file} for reading and writing, creating it with {@code attributes} if it is
   * missing, never through a link (see the class comment).
   *
   * @param what what the file is, for messages ({@code "lock file"})
   * @throws StoreException {@link ErrorCode#UNSAFE_FILE} if the name is a link, not a regular file, or not the
   *     user's
   */
  static Opened openSidecar(Path file, FileAttribute<?>[] attributes, String what) throws IOException {
    Set<OpenOption> options = Set.of(
        StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
    return open(file, options, attributes, what);
  }

  /**
   * The whole sidecar {@code file}, or null when there is none; read never through a link and only when it is a
   * regular file with one link that this user owns (see the class comment), and only when it has at most
   * {@code max} bytes. The checks come before the file is opened, so a FIFO or device planted at the name is
   * never opened (opening a FIFO to read it would wait for a writer).
   *
   * @param what what the file is, for messages ({@code "entries file"})
   * @param tooLarge the exception for a file of the given size, over {@code max} bytes (it is not read)
   * @throws StoreException {@link ErrorCode#UNSAFE_FILE} if the name is a link, not a regular file, or not the
   *     user's
   */
  static byte @Nullable [] readSidecar(Path file, int max, String what, LongFunction<StoreException> tooLarge)
      throws IOException {
    BasicFileAttributes a = linkAttributesOrNull(file);
    if (a == null) {
      return null;
    }
    if (a.isSymbolicLink()) {
      throw unsafe(file, what, "is a symbolic link" + target(file), null);
    }
    if (!a.isRegularFile()) {
      throw unsafe(file, what, "is not a regular file (a folder, FIFO or device)", null);
    }
    if (a.size() > max) {
      throw tooLarge.apply(a.size());
    }
    FileChannel ch;
    try {
      ch = FileChannel.open(file, Set.of(StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS));
    } catch (NoSuchFileException e) {
      return null; // deleted or replaced meanwhile: the caller looks again
    } catch (IOException e) {
      BasicFileAttributes now = linkAttributesOrNull(file);
      if (now != null && now.isSymbolicLink()) {
        throw unsafe(file, what, "is a symbolic link" + target(file), e);
      }
      throw e;
    }
    try (ch) {
      check(file, what);
      long size = ch.size();
      if (size > max) {
        throw tooLarge.apply(size);
      }
      ByteBuffer buf = ByteBuffer.allocate((int) size + 1);
      while (buf.hasRemaining() && ch.read(buf) > 0) {
        // read on until the end or one byte past the size seen (the file grew meanwhile)
      }
      if (buf.position() > max) {
        throw tooLarge.apply(buf.position());
      }
      byte[] bytes = new byte[buf.position()];
      buf.flip().get(bytes);
      return bytes;
    }
  }

  /**
   * Creates and opens for writing a new temp file {@code .<name>.<random>.tmp} next to the token file
   * {@code tokenFile}, with {@code attributes} (0600 on POSIX), never through a link. A name that exists (even
   * as a link) is never used: another random one is tried.
   */
  static Opened createTemp(Path tokenFile, FileAttribute<?>[] attributes) throws IOException {
    Set<OpenOption> options = Set.of(
        StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
    for (int attempt = 1; ; attempt++) {
      Path tmp = tokenFile.resolveSibling("." + tokenFile.getFileName() + "." + Long.toUnsignedString(RANDOM.nextLong(), 36)
              + TEMP_SUFFIX);
      try {
        return open(tmp, options, attributes, "temp file");
      } catch (FileAlreadyExistsException e) {
        if (attempt >= TEMP_ATTEMPTS) {
          throw e;
        }
      }
    }
  }

  /**
   * Whether {@code candidate} is named as a temp file of the token file {@code tokenFile} is: {@code .<name>.}, a
   * run of digits and lowercase letters (this class's names, and the decimal ones of
   * {@link Files#createTempFile} that earlier versions used), {@code .tmp}.
   */
  static boolean isTempOf(Path tokenFile, Path candidate) {
    String prefix = "." + tokenFile.getFileName() + ".";
    String name = String.valueOf(candidate.getFileName());
    if (!name.startsWith(prefix) || !name.endsWith(TEMP_SUFFIX)
        || name.length() <= prefix.length() + TEMP_SUFFIX.length()) {
      return false;
    }
    String random = name.substring(prefix.length(), name.length() - TEMP_SUFFIX.length());
    return random.length() <= 24 && random.chars().allMatch(c -> (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z'));
  }

  /** The temp files of the token file {@code tokenFile} in its folder now (none if the folder is missing). */
  static List<Path> tempFiles(Path tokenFile) throws IOException {
    Path dir = tokenFile.toAbsolutePath().getParent();
    List<Path> out = new ArrayList<>();
    if (dir == null) {
      return out;
    }
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir, p -> isTempOf(tokenFile, p))) {
      entries.forEach(out::add);
    } catch (NoSuchFileException | NotDirectoryException e) {
      return out;
    }
    out.sort(null);
    return out;
  }

  // ---------------------------------------------------------------------------------------------------------

  private static Opened open(Path file, Set<OpenOption> options, FileAttribute<?>[] attributes, String what)
      throws IOException {
    FileChannel ch;
    try {
      ch = FileChannel.open(file, options, attributes);
    } catch (FileAlreadyExistsException e) {
      throw e;
    } catch (IOException e) {
      // O_NOFOLLOW fails with ELOOP on a link; anything else at the name is checked below.
      BasicFileAttributes a = linkAttributesOrNull(file);
      if (a != null && a.isSymbolicLink()) {
        throw unsafe(file, what, "is a symbolic link" + target(file), e);
      }
      if (a != null && !a.isRegularFile()) {
        throw unsafe(file, what, "is not a regular file (a folder, FIFO or device)", e);
      }
      throw e;
    }
    try {
      return new Opened(file, ch, check(file, what));
    } catch (IOException | RuntimeException | Error e) {
      ch.close();
      throw e;
    }
  }

  /**
   * Checks, without following links, that {@code file} is a regular file with one link that this process's user
   * owns, and returns its identity.
   */
  private static @Nullable Object check(Path file, String what) throws IOException {
    BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    if (a.isSymbolicLink()) {
      throw unsafe(file, what, "is a symbolic link" + target(file), null);
    }
    if (!a.isRegularFile()) {
      throw unsafe(file, what, "is not a regular file (a folder, FIFO or device)", null);
    }
    if (file.getFileSystem().supportedFileAttributeViews().contains("unix")) {
      Map<String, Object> u = Files.readAttributes(file, "unix:dev,ino,nlink,uid", LinkOption.NOFOLLOW_LINKS);
      Object links = u.get("nlink");
      if (links instanceof Number n && n.longValue() > 1) {
        throw unsafe(file, what, "has " + n + " hard links: it is also another file, which writing it would change",
            null);
      }
      Object uid = u.get("uid");
      if (PROCESS_UID != null && !PROCESS_UID.equals(uid)) {
        throw unsafe(file, what, "belongs to another user (uid " + uid + ", this process runs as uid " + PROCESS_UID
            + ")", null);
      }
      if (PROCESS_UID != null) {
        return List.of(Objects.requireNonNull(u.get("dev"), "dev"), Objects.requireNonNull(u.get("ino"), "ino"));
      }
    }
    UserPrincipal me = currentUserOrNull(file);
    if (me != null) {
      UserPrincipal owner = Files.getOwner(file, LinkOption.NOFOLLOW_LINKS);
      if (!me.equals(owner)) {
        throw unsafe(file, what, "belongs to another user (" + owner.getName() + ")", null);
      }
    }
    return a.fileKey();
  }

  /** The identity of the file at {@code file}, not following links; null if there is none or no identity. */
  static @Nullable Object identityOrNull(Path file) throws IOException {
    if (file.getFileSystem().supportedFileAttributeViews().contains("unix")) {
      try {
        Map<String, Object> u = Files.readAttributes(file, "unix:dev,ino", LinkOption.NOFOLLOW_LINKS);
        return List.of(Objects.requireNonNull(u.get("dev"), "dev"), Objects.requireNonNull(u.get("ino"), "ino"));
      } catch (NoSuchFileException e) {
        return null;
      }
    }
    BasicFileAttributes a = linkAttributesOrNull(file);
    return a == null ? null : a.fileKey();
  }

  private static @Nullable BasicFileAttributes linkAttributesOrNull(Path file) {
    try {
      return Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    } catch (IOException e) {
      return null;
    }
  }

  private static String target(Path link) {
    try {
      return " to " + Files.readSymbolicLink(link);
    } catch (IOException | UnsupportedOperationException e) {
      return "";
    }
  }

  private static StoreException unsafe(Path file, String what, String problem, @Nullable Throwable cause) {
    return new StoreException(ErrorCode.UNSAFE_FILE,
        "The " + what + " " + file + " " + problem + ". The store does not open it: it would write through it "
            + "to whatever it stands for. Remove it (and find out who created it; the token folder should be "
            + "writable by this user only), then retry.",
        cause);
  }

  private static @Nullable Object processUid() {
    Path self = Path.of("/proc/self");
    try {
      if (self.getFileSystem().supportedFileAttributeViews().contains("unix") && Files.isDirectory(self)) {
        return Files.getAttribute(self, "unix:uid");
      }
    } catch (IOException | RuntimeException e) {
      // not Linux: the owner is compared by name
    }
    return null;
  }

  private static @Nullable UserPrincipal currentUserOrNull(Path file) {
    String name = System.getProperty("user.name");
    if (name == null || !file.getFileSystem().supportedFileAttributeViews().contains("owner")) {
      return null;
    }
    try {
      return file.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName(name);
    } catch (IOException | UnsupportedOperationException e) {
      return null;
    }
  }
}
