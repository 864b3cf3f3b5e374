package io.synod.store;

import static org.junit.jupiter.api.Assertions.*;

import io.synod.store.kv.Command;
import io.synod.store.kv.Expect;
import io.synod.store.testing.Ports;
import io.synod.store.testing.TempDirs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** raft.data_dir holds the whole cluster state: 0700 directories, 0600 files, also new ones. */
class PrivateDataDirTest {
  @Test
  void theDataDirAndEverythingInItIsTheOwnersOnly() throws Exception {
    Path root = Files.createTempDirectory("synod-private");
    Path data = root.resolve("raft");
    try {
      // A data dir left with loose permissions by an older version or a careless copy.
      Files.createDirectories(data.resolve("old"));
      Files.setPosixFilePermissions(data, PosixFilePermissions.fromString("rwxr-xr-x"));
      Files.writeString(data.resolve("old/leftover"), "x");
      Files.setPosixFilePermissions(
          data.resolve("old/leftover"), PosixFilePermissions.fromString("rw-r--r--"));
      String self = "127.0.0.1:" + Ports.free();
      try (RaftStore s =
          new RaftStore(new StoreOptions("p", data, self, List.of(self), 300, 3600, 3000))
              .start()) {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!s.isLeader() && System.nanoTime() < deadline) {
          Thread.sleep(20);
        }
        assertTrue(s.write(Command.put("/k", "v", 0, "t", Expect.ANY)).succeeded());
        s.snapshot(); // new files: a snapshot, RocksDB's
        List<String> loose = loose(data);
        while (!loose.isEmpty() && System.nanoTime() < deadline + 10_000_000_000L) {
          Thread.sleep(200); // the periodic sweep
          loose = loose(data);
        }
        assertEquals(List.of(), loose, "files or directories others can read");
        assertTrue(Files.list(data.resolve("snapshot")).findAny().isPresent());
      }
    } finally {
      TempDirs.delete(root);
    }
  }

  private static List<String> loose(Path dir) throws Exception {
    List<String> out = new ArrayList<>();
    try (Stream<Path> all = Files.walk(dir)) {
      for (Path p : (Iterable<Path>) all::iterator) {
        String perms;
        try {
          perms = PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
        } catch (java.nio.file.NoSuchFileException e) {
          continue;
        }
        String want = Files.isDirectory(p) ? "rwx------" : "rw-------";
        if (!perms.equals(want)) {
          out.add(dir.relativize(p) + " " + perms);
        }
      }
    }
    return out;
  }
}
