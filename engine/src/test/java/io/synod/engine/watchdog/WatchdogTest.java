package io.synod.engine.watchdog;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The fence sidecar as a real process: its own session, its own clock. */
class WatchdogTest {
  @TempDir Path dir;

  Watchdog fence(Path fired) {
    return new Watchdog(dir, dir.resolve("pgdata"), List.of("/bin/sh", "-c", "touch " + fired));
  }

  static String field(long pid, int index) throws Exception {
    String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
    // fields after the command name in parentheses: state ppid pgrp session ...
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return f[index];
  }

  @Test
  void theFenceRunsInItsOwnSessionSoFreezingTheEnginesGroupDoesNotFreezeIt() throws Exception {
    Path fired = dir.resolve("fired");
    Watchdog w = fence(fired);
    try {
      assertTrue(w.arm(60_000));
      long me = ProcessHandle.current().pid();
      // index 1 = pgrp, 2 = session
      assertNotEquals(field(me, 1), field(w.pid(), 1), "process group");
      assertNotEquals(field(me, 2), field(w.pid(), 2), "session");
      assertEquals(String.valueOf(w.pid()), field(w.pid(), 2), "it leads its own session");
    } finally {
      w.disarm();
    }
    assertFalse(Files.exists(fired), "disarm does not stop PostgreSQL");
  }

  @Test
  void withoutPingsTheFenceStopsPostgresOnItsOwnClock() throws Exception {
    Path fired = dir.resolve("fired");
    Watchdog w = fence(fired);
    assertTrue(w.arm(300));
    long deadline = System.nanoTime() + 20_000_000_000L;
    while (!Files.exists(fired) && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertTrue(Files.exists(fired), "the fence fired with no ping");
    w.close();
  }

  @Test
  void pingsKeepItQuiet() throws Exception {
    Path fired = dir.resolve("fired");
    Watchdog w = fence(fired);
    try {
      assertTrue(w.arm(500));
      for (int i = 0; i < 15; i++) {
        w.ping(500);
        Thread.sleep(100);
      }
      assertFalse(Files.exists(fired));
      assertTrue(w.armed());
    } finally {
      w.disarm();
    }
  }

  @Test
  void aFenceThatCannotStartSaysSo() {
    Watchdog w =
        new Watchdog(Path.of("/proc/no-such-dir"), dir.resolve("pgdata"), List.of("/bin/true"));
    assertFalse(w.arm(1000));
    assertFalse(w.armed());
  }
}
