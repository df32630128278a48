package dev.tokenstore.file;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * The exclusive lock on one token file, across threads and processes: a {@link ReentrantLock} shared by every
 * store of this JVM on the same file (Java's file locks are per process and throw
 * {@code OverlappingFileLockException} when one JVM locks a file twice), then an OS lock
 * ({@link FileChannel#lock()}) on a sidecar lock file {@code <name>.lock} next to it, created 0600 and opened
 * only as a regular file of this user, never through a link ({@link PrivateFiles}).
 *
 * <p>One channel per lock file and JVM, kept open while any store uses the file: on POSIX systems, closing
 * any descriptor of a file drops all of the process's locks on it, so stores must not each open their own.
 * The lock file is never deleted (deleting it would let two processes lock two different files); if someone
 * replaces it anyway, the next acquisition notices and locks the new one.
 *
 * <p>Thread-safe.
 */
final class PathLock {
  private static final Map<Path, PathLock> REGISTRY = new HashMap<>();

  private final Path target;
  private final Path lockFile;
  private final ReentrantLock jvmLock = new ReentrantLock();
  private int refs; // guarded by REGISTRY
  private @Nullable FileChannel channel; // guarded by jvmLock
  private @Nullable Object channelFile; // the identity of the file channel is open on; guarded by jvmLock

  private PathLock(Path target) {
    this.target = target;
    this.lockFile = PrivateFiles.sidecar(target, ".lock");
  }

  /** The lock for {@code target} (an absolute, real path), shared with every other user in this JVM. */
  static PathLock acquire(Path target) {
    synchronized (REGISTRY) {
      PathLock lock = REGISTRY.computeIfAbsent(target, PathLock::new);
      lock.refs++;
      return lock;
    }
  }

  /** Gives back what {@link #acquire} gave; the last user closes the lock file. */
  void release() {
    synchronized (REGISTRY) {
      if (--refs > 0) {
        return;
      }
      REGISTRY.remove(target);
    }
    jvmLock.lock();
    try {
      closeChannel();
    } finally {
      jvmLock.unlock();
    }
  }

  Path lockFile() {
    return lockFile;
  }

  /**
   * Takes the JVM lock, then the OS lock (blocking until other processes release it).
   *
   * @param fileAttributes the attributes a new lock file gets (0600 on POSIX)
   */
  Held lockExclusive(FileAttribute<?>[] fileAttributes) throws IOException {
    jvmLock.lock();
    try {
      for (int attempt = 0; ; attempt++) {
        FileChannel ch = channel;
        if (ch == null || !ch.isOpen()) {
          PrivateFiles.Opened opened = PrivateFiles.openSidecar(lockFile, fileAttributes, "lock file");
          ch = opened.channel();
          channel = ch;
          channelFile = opened.identity();
        }
        FileLock osLock = ch.lock();
        // The lock file we hold must still be the one at lockFile, else another process locks a different file.
        Object now = PrivateFiles.identityOrNull(lockFile);
        if (now != null && Objects.equals(now, channelFile)) {
          return new Held(osLock);
        }
        osLock.release();
        closeChannel();
        if (attempt >= 5) {
          throw new IOException("the lock file " + lockFile + " keeps being deleted or replaced by another program");
        }
      }
    } catch (IOException | RuntimeException | Error e) {
      jvmLock.unlock();
      throw e;
    }
  }

  private void closeChannel() {
    FileChannel ch = channel;
    channel = null;
    channelFile = null;
    if (ch != null) {
      try {
        ch.close();
      } catch (IOException ignored) {
        // Closing releases our lock; nothing else depends on it.
      }
    }
  }

  /** Both locks, held until {@link #close()}. */
  final class Held implements AutoCloseable {
    private final FileLock osLock;

    private Held(FileLock osLock) {
      this.osLock = osLock;
    }

    /**
     * The highest id ever given out for this file, as kept in the lock file (zero if none or unreadable). It
     * keeps ids of deleted records from being given out again, across processes and reopenings.
     */
    java.math.BigInteger highWater() throws IOException {
      FileChannel ch = Objects.requireNonNull(channel);
      java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate(64);
      long pos = 0;
      int n;
      while (buf.hasRemaining() && (n = ch.read(buf, pos)) > 0) {
        pos += n;
      }
      String text = new String(buf.array(), 0, buf.position(), java.nio.charset.StandardCharsets.US_ASCII).strip();
      if (text.isEmpty() || text.length() > 30 || !text.chars().allMatch(c -> c >= '0' && c <= '9')) {
        return java.math.BigInteger.ZERO;
      }
      return new java.math.BigInteger(text);
    }

    /** Records {@code id} as the highest id given out (not fsynced: after a crash the file's ids still count). */
    void highWater(java.math.BigInteger id) throws IOException {
      FileChannel ch = Objects.requireNonNull(channel);
      java.nio.ByteBuffer buf = java.nio.ByteBuffer.wrap(
          (id + "\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      ch.truncate(0);
      long pos = 0;
      while (buf.hasRemaining()) {
        pos += ch.write(buf, pos);
      }
    }

    @Override
    public void close() {
      try {
        if (osLock.isValid()) {
          osLock.release();
        }
      } catch (IOException e) {
        // The channel is broken; closing it drops the OS lock for sure. The next acquisition reopens it.
        closeChannel();
      } finally {
        jvmLock.unlock();
      }
    }
  }
}
