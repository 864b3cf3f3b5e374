package io.synod.engine.postgres;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalLookupService;

/**
 * File helpers with PostgreSQL's ownership rule: when the JVM is root, everything Synod creates
 * that PostgreSQL reads or writes (data directory, config files, signal files, log file, socket
 * directory) is chowned to the postgres user, because the server and its tools run as postgres.
 * Directories get 0700, files 0600.
 */
public final class PgFiles {
  private PgFiles() {}

  /** Gives the path to the postgres user and group when the JVM is root; no-op otherwise. */
  public static void chownToPostgres(Path p) {
    if (!PgProcess.isRoot()) {
      return;
    }
    try {
      UserPrincipalLookupService lookup = p.getFileSystem().getUserPrincipalLookupService();
      UserPrincipal user = lookup.lookupPrincipalByName(PgProcess.POSTGRES_USER);
      PosixFileAttributeView view =
          Files.getFileAttributeView(
              p, PosixFileAttributeView.class, java.nio.file.LinkOption.NOFOLLOW_LINKS);
      view.setOwner(user);
      try {
        GroupPrincipal group = lookup.lookupPrincipalByGroupName(PgProcess.POSTGRES_USER);
        view.setGroup(group);
      } catch (IOException noGroup) {
        // a postgres user without a same-named group still works
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot chown " + p + " to " + PgProcess.POSTGRES_USER, e);
    }
  }

  /**
   * Creates dir (and missing parents, 0755 so postgres can traverse them) as a 0700 postgres-owned
   * directory.
   */
  public static Path createPrivateDirectory(Path dir) {
    try {
      Files.createDirectories(dir);
      Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
      chownToPostgres(dir);
      return dir;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create directory " + dir, e);
    }
  }

  /**
   * Writes a postgres-owned 0600 file atomically (temp file + rename in the same directory) so
   * PostgreSQL never reads a half-written config.
   */
  public static void writeOwned(Path file, String content) {
    Path tmp = file.resolveSibling("." + file.getFileName() + ".synod-tmp");
    try {
      writePrivate(tmp, content);
      chownToPostgres(tmp);
      try {
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    } finally {
      try {
        Files.deleteIfExists(tmp);
      } catch (IOException ignored) {
        // nothing useful to do
      }
    }
  }

  /**
   * Writes a new file that is 0600 from its creation (never readable by others, not even for the
   * moment between creating it and a chmod); a leftover file of that name is replaced.
   */
  public static void writePrivate(Path file, String content) throws IOException {
    Files.deleteIfExists(file);
    try (var ch =
        Files.newByteChannel(
            file,
            java.util.EnumSet.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))) {
      java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(content.getBytes(StandardCharsets.UTF_8));
      while (b.hasRemaining()) {
        ch.write(b);
      }
    }
  }

  /**
   * A fresh 0700 directory (created with that mode) under the JVM's temp directory, owned by
   * postgres when the JVM is root: a private place for short-lived secrets PostgreSQL's tools must
   * read, such as initdb's password file.
   */
  public static Path createPrivateTempDirectory(String prefix) throws IOException {
    Path d =
        Files.createTempDirectory(
            prefix,
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    chownToPostgres(d);
    return d;
  }

  /** Writes the file only when its content differs; returns whether it changed. */
  public static boolean writeOwnedIfChanged(Path file, String content) {
    try {
      if (Files.exists(file) && Files.readString(file, StandardCharsets.UTF_8).equals(content)) {
        return false;
      }
    } catch (IOException e) {
      // unreadable: rewrite it
    }
    writeOwned(file, content);
    return true;
  }

  /** True when the directory does not exist or has no entries. */
  public static boolean isMissingOrEmpty(Path dir) {
    if (!Files.exists(dir)) {
      return true;
    }
    if (!Files.isDirectory(dir)) {
      return false;
    }
    try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
      return !s.iterator().hasNext();
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * Deletes everything inside dir but keeps dir itself (and its owner and mode). Symlinks are not
   * followed.
   */
  public static void deleteContents(Path dir) {
    if (!Files.isDirectory(dir)) {
      return;
    }
    try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
      for (Path p : s) {
        deleteRecursively(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot empty " + dir, e);
    }
  }

  /**
   * Deletes a file or directory tree; symlinks are removed, not followed. Missing paths are fine.
   */
  public static void deleteRecursively(Path root) {
    if (!Files.exists(root, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try {
      Files.walkFileTree(
          root,
          new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
                throws IOException {
              Files.deleteIfExists(file);
              return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException exc) throws IOException {
              if (exc instanceof NoSuchFileException) {
                return FileVisitResult.CONTINUE;
              }
              throw exc;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException exc)
                throws IOException {
              if (exc != null && !(exc instanceof NoSuchFileException)) {
                throw exc;
              }
              Files.deleteIfExists(dir);
              return FileVisitResult.CONTINUE;
            }
          });
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete " + root, e);
    }
  }
}
