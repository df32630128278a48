package dev.tokenstore.file;

import dev.tokenstore.ErrorCode;
import dev.tokenstore.StoreException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongFunction;
import org.jspecify.annotations.Nullable;

/**
 * The token file of a {@link FileTokenStore} on disk: its real path, its {@link FileState}, reading it whole,
 * replacing it atomically (temp file 0600, fsync, {@code ATOMIC_MOVE}, fsync of the folder), creating its folder
 * (0700), and the {@link ErrorCode#STORE_UNAVAILABLE} messages that name the file and what to check. It knows
 * nothing of the format or the locks: the store decides what to write and when.
 *
 * <p>Thread-safe: immutable; callers serialise writes (the store's write lock and {@link PathLock}).
 */
final class TokenFile {
  private static final System.Logger LOG = System.getLogger(FileTokenStore.class.getName());

  private final Path path; // the real path of the token file
  private final boolean posix;

  /** {@code path} must be a real path ({@link #realPath}). */
  TokenFile(Path path) {
    this.path = path;
    this.posix = path.getFileSystem().supportedFileAttributeViews().contains("posix");
  }

  Path path() {
    return path;
  }

  /** The file's state now; {@link FileState#MISSING} when there is no file. */
  FileState stat() {
    try {
      return FileState.of(path);
    } catch (IOException e) {
      throw unavailable("cannot read its attributes", e, "Check that this user may access " + folder() + ".");
    }
  }

  /** The whole file; null when it was replaced or deleted while being read (look again). */
  byte @Nullable [] readOrNull() {
    try {
      return Files.readAllBytes(path);
    } catch (NoSuchFileException e) {
      return null; // replaced or deleted while we read: look again
    } catch (IOException e) {
      throw unavailable("cannot read it", e, "Check that the file is readable by this user.");
    }
  }

  /** The largest sidecar read: 64 MiB, some 800,000 entries; a larger one is not the store's (ignored). */
  static final int MAX_SIDECAR_BYTES = 64 << 20;

  /**
   * The whole sidecar file {@code sidecar} (next to the token file); null when it is missing, is not a regular
   * file (a link is never followed) or cannot be read (logged): a sidecar only ever adds what the token file
   * lacks, so going without it is harmless.
   */
  byte @Nullable [] readSidecar(Path sidecar) {
    try {
      if (!Files.isRegularFile(sidecar, LinkOption.NOFOLLOW_LINKS)) {
        if (Files.exists(sidecar, LinkOption.NOFOLLOW_LINKS)) {
          LOG.log(System.Logger.Level.WARNING, "{0} is not a regular file (a link?); going on without it", sidecar);
        }
        return null;
      }
      try (var in = Files.newInputStream(sidecar, LinkOption.NOFOLLOW_LINKS)) {
        byte[] bytes = in.readNBytes(MAX_SIDECAR_BYTES + 1);
        if (bytes.length > MAX_SIDECAR_BYTES) {
          LOG.log(System.Logger.Level.WARNING, "{0} is larger than {1} bytes, far more than its tokens need; going "
              + "on without it", sidecar, MAX_SIDECAR_BYTES);
          return null;
        }
        return bytes;
      }
    } catch (NoSuchFileException e) {
      return null;
    } catch (IOException e) {
      LOG.log(System.Logger.Level.WARNING, "Could not read {0}; going on without it: {1}", sidecar, e.toString());
      return null;
    }
  }

  /** The state of {@code sidecar} (next to the token file) now; {@link FileState#MISSING} when there is none. */
  FileState stat(Path sidecar) {
    try {
      return FileState.of(sidecar);
    } catch (IOException e) {
      throw unavailable("cannot read the attributes of " + sidecar, e, "Check that this user may access " + folder()
          + ".");
    }
  }

  /**
   * The whole sidecar {@code sidecar}, or null when there is none, read as {@link PrivateFiles#readSidecar} reads
   * (never through a link, only a regular file of this user with one link, at most {@code max} bytes): for a
   * sidecar whose content matters, unlike {@link #readSidecar}'s.
   *
   * @throws StoreException {@link ErrorCode#UNSAFE_FILE}, {@code tooLarge}'s exception, or
   *     {@link ErrorCode#STORE_UNAVAILABLE} when it cannot be read
   */
  byte @Nullable [] readPrivateSidecar(Path sidecar, int max, String what, LongFunction<StoreException> tooLarge) {
    try {
      return PrivateFiles.readSidecar(sidecar, max, what, tooLarge);
    } catch (IOException e) {
      throw unavailable("cannot read its " + what + " " + sidecar, e, "Check that this user may read it.");
    }
  }

  /** Replaces the file with {@code bytes} atomically (see {@link #replace(Path, Path, byte[])}). */
  void replace(Path dir, byte[] bytes) {
    replace(dir, path, bytes);
  }

  /**
   * Replaces {@code target} (the token file or a sidecar of it in {@code dir}) with {@code bytes} atomically:
   * a new temp file in {@code dir} ({@link PrivateFiles#createTemp}: 0600, never through a link), fsync,
   * {@code ATOMIC_MOVE}, fsync of the folder.
   */
  void replace(Path dir, Path target, byte[] bytes) {
    Path tmp = null;
    boolean moved = false;
    try {
      PrivateFiles.Opened opened = PrivateFiles.createTemp(dir.resolve(target.getFileName()), fileAttributes());
      tmp = opened.path();
      try (FileChannel ch = opened.channel()) {
        ByteBuffer buf = ByteBuffer.wrap(bytes);
        while (buf.hasRemaining()) {
          ch.write(buf);
        }
        ch.force(true);
      }
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      moved = true;
      syncFolder(dir);
    } catch (IOException e) {
      throw unavailable(target.equals(path) ? "cannot write it" : "cannot write its sidecar " + target, e,
          "Check that this user may create and rename files in " + dir + " and that the disk is not full. "
              + "The file was not changed.");
    } finally {
      if (!moved && tmp != null) {
        try {
          Files.deleteIfExists(tmp);
        } catch (IOException e) {
          LOG.log(System.Logger.Level.WARNING, "Could not delete the temp file {0}: {1}", tmp, e.toString());
        }
      }
    }
  }

  /**
   * Deletes the temp files that writers of this file killed in the middle of a save left behind (each a full
   * copy of every token and client secret, or of the {@code .issued} or {@code .entries} sidecar). The caller holds the writers' lock, so no live writer's temp file
   * is among them. Returns how many it deleted; one it cannot delete is logged and left (doctor reports it).
   */
  int deleteStaleTemps() {
    int deleted = 0;
    for (Path tmp : tempFiles()) {
      try {
        if (Files.deleteIfExists(tmp)) {
          deleted++;
          LOG.log(System.Logger.Level.INFO,
              "Deleted {0}, a temp file left by a writer of {1} that was stopped in the middle of a save", tmp, path);
        }
      } catch (IOException e) {
        LOG.log(System.Logger.Level.WARNING, "Could not delete the stale temp file {0}, a copy of the tokens of {1}: "
            + "{2}. Delete it by hand.", tmp, path, e.toString());
      }
    }
    return deleted;
  }

  /**
   * The temp files of this file and of its {@code .issued} and {@code .entries} sidecars in its folder now (a live writer's, or ones
   * left by killed writers).
   */
  List<Path> tempFiles() {
    try {
      List<Path> all = new ArrayList<>(PrivateFiles.tempFiles(path));
      all.addAll(PrivateFiles.tempFiles(IssueTimes.sidecarOf(path)));
      all.addAll(PrivateFiles.tempFiles(EntryFile.sidecarOf(path)));
      return all;
    } catch (IOException e) {
      throw unavailable("cannot list its folder", e, "Check that this user may read " + folder() + ".");
    }
  }

  private void syncFolder(Path dir) {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException e) {
      // Some platforms cannot open or sync folders; the rename itself is done.
      LOG.log(System.Logger.Level.DEBUG, "Could not fsync the folder {0}: {1}", dir, e.toString());
    }
  }

  /** Creates the folder {@code dir} (0700) if it is missing. */
  void ensureFolder(Path dir) {
    if (Files.isDirectory(dir)) {
      return;
    }
    try {
      if (posix) {
        Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      } else {
        Files.createDirectories(dir);
      }
    } catch (IOException e) {
      throw unavailable("cannot create its folder " + dir, e,
          "Create the folder, or check that this user may create it.");
    }
  }

  /** Owner read and write only (0600) where the file system has POSIX permissions. */
  FileAttribute<?>[] fileAttributes() {
    return posix
        ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))}
        : new FileAttribute<?>[0];
  }

  /** The folder that holds the file. */
  Path folder() {
    Path parent = path.getParent();
    return parent != null ? parent : path.toAbsolutePath().getRoot();
  }

  /** A {@link ErrorCode#STORE_UNAVAILABLE} naming the file, {@code what} failed, the reason and {@code advice}. */
  StoreException unavailable(String what, IOException e, String advice) {
    String reason = e instanceof AccessDeniedException
        ? "permission denied"
        : e instanceof FileSystemException fse && fse.getReason() != null ? fse.getReason() : e.toString();
    return new StoreException(
        ErrorCode.STORE_UNAVAILABLE,
        "The token file " + path + ": " + what + " (" + reason + "). " + advice,
        e);
  }

  /** The absolute path with symbolic links resolved as far as the path exists. */
  static Path realPath(Path file) {
    Path abs;
    try {
      abs = file.toAbsolutePath().normalize();
    } catch (InvalidPathException | java.io.IOError e) {
      throw new StoreException(ErrorCode.INVALID_ARGUMENT, "The path '" + file + "' is not valid here.");
    }
    try {
      return abs.toRealPath();
    } catch (IOException e) {
      // Missing file: resolve the deepest existing folder and append the rest.
      Path parent = abs.getParent();
      if (parent == null) {
        return abs;
      }
      return realPath(parent).resolve(abs.getFileName());
    }
  }
}
