package io.synod.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * The Raft data directory holds the whole cluster state (the dynamic configuration, member data),
 * so only its owner may read it: directories 0700, files 0600. jraft and RocksDB create their files
 * with the process umask; {@link #tighten} is run at start and then periodically, while the 0700
 * directory keeps everyone else out in between.
 */
final class PrivateDir {
  static final Set<PosixFilePermission> DIR = PosixFilePermissions.fromString("rwx------");
  static final Set<PosixFilePermission> FILE = PosixFilePermissions.fromString("rw-------");

  private PrivateDir() {}

  /** Creates {@code dir} (0700 from the start) if needed, then tightens everything under it. */
  static void create(Path dir) {
    try {
      if (!Files.isDirectory(dir)) {
        Path parent = dir.toAbsolutePath().getParent();
        if (parent != null) {
          Files.createDirectories(parent);
        }
        Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(DIR));
      }
    } catch (UnsupportedOperationException e) {
      try {
        Files.createDirectories(dir);
      } catch (IOException io) {
        throw new UncheckedIOException("raft.data_dir " + dir + ": cannot create: " + io, io);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(
          "raft.data_dir " + dir + ": cannot create: " + e.getMessage(), e);
    }
    tighten(dir);
  }

  /** chmod 0700 on directories and 0600 on files under {@code dir}; never follows symlinks. */
  static void tighten(Path dir) {
    try {
      Files.walkFileTree(
          dir,
          new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes a)
                throws IOException {
              set(d, DIR);
              return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path f, BasicFileAttributes a) throws IOException {
              if (a.isRegularFile()) {
                set(f, FILE);
              }
              return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path f, IOException e) {
              return FileVisitResult.CONTINUE; // deleted meanwhile (RocksDB compaction)
            }
          });
    } catch (UnsupportedOperationException e) {
      // not a POSIX file system: nothing to tighten
    } catch (IOException e) {
      throw new UncheckedIOException(
          "raft.data_dir " + dir + ": cannot restrict permissions: " + e.getMessage(), e);
    }
  }

  private static void set(Path p, Set<PosixFilePermission> want) throws IOException {
    try {
      if (!Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS).equals(want)) {
        Files.setPosixFilePermissions(p, want);
      }
    } catch (NoSuchFileException e) {
      // deleted meanwhile
    }
  }
}
