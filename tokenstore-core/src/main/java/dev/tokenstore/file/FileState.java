package dev.tokenstore.file;

import java.io.IOException;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * What a single {@code stat} says about a file: identity (device and inode, or the platform's file key), size,
 * last-modified time and, where the platform has it, the change time. Two equal states mean the file was not
 * rewritten in between: every rewrite by this library is a rename of a new file (a new inode, a new ctime),
 * and an in-place edit changes the size or the times. Immutable.
 */
record FileState(@Nullable Object identity, long size, @Nullable Object modified, @Nullable Object changed) {

  /** The file does not exist. */
  static final FileState MISSING = new FileState(null, -1, null, null);

  /** Reads the state of {@code file} (following symbolic links); {@link #MISSING} if there is no such file. */
  static FileState of(Path file) throws IOException {
    try {
      if (hasUnixView(file.getFileSystem())) {
        Map<String, Object> a = Files.readAttributes(file, "unix:dev,ino,size,lastModifiedTime,ctime");
        return new FileState(
            List.of(a.get("dev"), a.get("ino")), ((Number) Objects.requireNonNull(a.get("size"), "size")).longValue(),
            a.get("lastModifiedTime"), a.get("ctime"));
      }
      BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
      return new FileState(a.fileKey(), a.size(), a.lastModifiedTime(), null);
    } catch (NoSuchFileException e) {
      return MISSING;
    }
  }

  private static boolean hasUnixView(FileSystem fs) {
    return fs.supportedFileAttributeViews().contains("unix");
  }
}
