package dev.tokenstore.file;

import dev.tokenstore.ErrorCode;
import dev.tokenstore.StoreException;
import dev.tokenstore.spi.GrantedLease;
import dev.tokenstore.spi.RefreshCoordinator;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import java.util.zip.CRC32C;
import org.jspecify.annotations.Nullable;

/**
 * Refresh leases for the processes of one host that share a token file, kept in the sidecar file
 * {@code <name>.refresh.lock} (0600, never deleted; opened only as a regular file of this user, never through a
 * link: {@link PrivateFiles}).
 *
 * <p>The file is an array of 4,096 slots of 32 bytes; a token's slot is chosen by a hash of its environment and
 * id (two tokens may share a slot: they then refresh one after the other, nothing worse). A slot holds the fence
 * (a counter that grows with every grant), the lease's end (epoch milliseconds of this host's clock, which all
 * processes on it share) and a random holder number. A grant or release is a compare-and-set on the slot under
 * an OS region lock ({@link FileChannel#lock(long, long, boolean)} on the slot's 32 bytes) held only for that
 * read and write, never during the refresh. So a lease expires by itself: a holder killed with -9 (or stalled)
 * is taken over after the lease time, with no lock left behind.
 *
 * <p>One channel per sidecar file and JVM (closing any descriptor of a file would drop this process's POSIX locks
 * on it), kept open for the life of the JVM; a {@link ReentrantLock} per file keeps the threads of this JVM from
 * locking overlapping regions twice (which Java refuses).
 *
 * <p>Thread-safe.
 */
final class FileRefreshCoordinator implements RefreshCoordinator {
  static final int SLOTS = 4096;
  static final int SLOT_SIZE = 32;
  private static final Map<Path, FileRefreshCoordinator> REGISTRY = new HashMap<>();
  private static final SecureRandom RANDOM = new SecureRandom();

  private final Path file;
  private final FileAttribute<?>[] attributes;
  private final ReentrantLock jvmLock = new ReentrantLock();
  private @Nullable FileChannel channel; // guarded by jvmLock

  private FileRefreshCoordinator(Path file, FileAttribute<?>[] attributes) {
    this.file = file;
    this.attributes = attributes;
  }

  /** The coordinator of the token file {@code tokenFile} (a real path), shared in this JVM. */
  static FileRefreshCoordinator of(Path tokenFile, FileAttribute<?>[] attributes) {
    Path sidecar = PrivateFiles.sidecar(tokenFile, ".refresh.lock");
    synchronized (REGISTRY) {
      return REGISTRY.computeIfAbsent(sidecar, p -> new FileRefreshCoordinator(p, attributes));
    }
  }

  Path file() {
    return file;
  }

  static int slotOf(RefreshIdentity identity) {
    CRC32C crc = new CRC32C();
    crc.update(identity.environment().getBytes(StandardCharsets.UTF_8));
    crc.update(0);
    crc.update(identity.tokenId().getBytes(StandardCharsets.UTF_8));
    return (int) (crc.getValue() % SLOTS);
  }

  @Override
  public Optional<RefreshLease> tryAcquire(RefreshIdentity identity, Duration lease) {
    long position = (long) slotOf(identity) * SLOT_SIZE;
    long holder = RANDOM.nextLong() | 1L; // never 0, the "free" value
    long leaseMillis = Math.max(1, lease.toMillis());
    long requested = System.nanoTime();
    return withSlot(position, slot -> {
      long now = System.currentTimeMillis();
      if (slot.until > now) {
        return Optional.empty();
      }
      boolean takeover = slot.until != 0;
      slot.fence++;
      slot.until = now + leaseMillis;
      slot.holder = holder;
      slot.dirty = true;
      long fence = slot.fence;
      return Optional.of(GrantedLease.of(fence, requested, lease, takeover, () -> release(position, holder, fence)));
    });
  }

  /** Mutable view of one slot. */
  private static final class Slot {
    long fence;
    long until;
    long holder;
    boolean dirty;
  }

  @FunctionalInterface
  private interface SlotOp<T> {
    T apply(Slot slot);
  }

  private <T> T withSlot(long position, SlotOp<T> op) {
    jvmLock.lock();
    try {
      FileChannel ch = channel();
      try (FileLock ignored = ch.lock(position, SLOT_SIZE, false)) {
        ByteBuffer buf = ByteBuffer.allocate(SLOT_SIZE);
        long pos = position;
        int n;
        while (buf.hasRemaining() && (n = ch.read(buf, pos)) > 0) {
          pos += n;
        }
        Slot slot = new Slot();
        if (buf.position() == SLOT_SIZE) {
          buf.flip();
          slot.fence = buf.getLong();
          slot.until = buf.getLong();
          slot.holder = buf.getLong();
        }
        T result = op.apply(slot);
        if (slot.dirty) {
          ByteBuffer out = ByteBuffer.allocate(SLOT_SIZE);
          out.putLong(slot.fence).putLong(slot.until).putLong(slot.holder).putLong(0).flip();
          long wpos = position;
          while (out.hasRemaining()) {
            wpos += ch.write(out, wpos);
          }
        }
        return result;
      }
    } catch (IOException e) {
      closeChannel();
      throw new StoreException(ErrorCode.STORE_UNAVAILABLE, "Cannot read or write the refresh lease file "
          + file + " (" + e.getClass().getSimpleName() + "). Check that this user may create and write files in "
          + "its folder.", e);
    } finally {
      jvmLock.unlock();
    }
  }

  private FileChannel channel() throws IOException {
    FileChannel ch = channel;
    if (ch == null || !ch.isOpen()) {
      ch = PrivateFiles.openSidecar(file, attributes, "refresh lease file").channel();
      channel = ch;
    }
    return ch;
  }

  private void closeChannel() {
    FileChannel ch = channel;
    channel = null;
    if (ch != null) {
      try {
        ch.close();
      } catch (IOException ignored) {
        // reopened on the next call
      }
    }
  }

  @Override
  public String toString() {
    return "FileRefreshCoordinator{" + file + "}";
  }

  /** Clears the slot at {@code position} if it still holds this grant (never a later holder's). */
  private void release(long position, long holder, long fence) {
    try {
      withSlot(position, slot -> {
        if (slot.holder == holder && slot.fence == fence) { // only our own grant, never a later holder's
          slot.until = 0;
          slot.holder = 0;
          slot.dirty = true;
        }
        return slot.dirty;
      });
    } catch (StoreException e) {
      // Not released: the lease expires by itself.
      System.getLogger(FileRefreshCoordinator.class.getName()).log(System.Logger.Level.WARNING,
          "Could not release a refresh lease in {0}; it expires by itself: {1}", file, e.getMessage());
    }
  }
}
