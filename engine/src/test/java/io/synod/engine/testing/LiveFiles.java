package io.synod.engine.testing;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;

/**
 * Lists the files under a directory that running processes keep writing to. A node creates and
 * removes short-lived files (a command's captured output, PostgreSQL's temp files) while a test
 * scans its directory; Files.walk fails on the first one that vanishes between listing and stat.
 * Here a vanished file or directory is skipped; any other error still fails the scan.
 */
public final class LiveFiles {
  private LiveFiles() {}

  /** Regular files (not symlinks) under root that existed when the walk reached them. */
  public static List<Path> regularFiles(Path root) throws IOException {
    List<Path> found = new ArrayList<>();
    Files.walkFileTree(
        root,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult visitFile(Path f, BasicFileAttributes a) {
            if (a.isRegularFile()) {
              found.add(f);
            }
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFileFailed(Path f, IOException e) throws IOException {
            if (e instanceof NoSuchFileException) {
              return FileVisitResult.CONTINUE; // removed by its owner meanwhile
            }
            throw e;
          }

          @Override
          public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
            if (e != null && !(e instanceof NoSuchFileException)) {
              throw e;
            }
            return FileVisitResult.CONTINUE;
          }
        });
    return found;
  }
}
