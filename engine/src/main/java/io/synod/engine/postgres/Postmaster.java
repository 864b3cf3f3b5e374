package io.synod.engine.postgres;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The postmaster as seen from outside, without a database connection: its pid file, whether that
 * pid is really a live postmaster, the processes still working in a data directory, and signals.
 * Liveness comes from the pid file plus the process table, never from a connection, so a busy or
 * still-starting server is not mistaken for a dead one.
 */
public final class Postmaster {
  // Logged under Postgres, where these lines have always been.
  private static final Logger log = LoggerFactory.getLogger(Postgres.class);

  private Postmaster() {}

  /**
   * Parsed postmaster.pid. status is "starting", "ready", "standby", "stopping" or "" (PostgreSQL
   * 10+).
   */
  public record PidFile(long pid, Path dataDir, long startEpochSeconds, int port, String status) {}

  /**
   * Reads {@code <dataDir>/postmaster.pid}, or empty when absent or unparseable (e.g.
   * half-written).
   */
  public static Optional<PidFile> readPidFile(Path dataDir) {
    Path f = dataDir.resolve("postmaster.pid");
    try {
      List<String> lines = Files.readAllLines(f, StandardCharsets.UTF_8);
      if (lines.isEmpty() || lines.get(0).isBlank()) {
        return Optional.empty();
      }
      long pid = Long.parseLong(lines.get(0).trim());
      Path dir = lines.size() > 1 ? Path.of(lines.get(1).trim()) : dataDir;
      long start =
          lines.size() > 2 && !lines.get(2).isBlank() ? Long.parseLong(lines.get(2).trim()) : 0;
      int port =
          lines.size() > 3 && !lines.get(3).isBlank() ? Integer.parseInt(lines.get(3).trim()) : 0;
      String status = lines.size() > 7 ? lines.get(7).trim() : "";
      return Optional.of(new PidFile(pid, dir, start, port, status));
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  /** Whether pid is a live (not zombie) process. */
  public static boolean isAlive(long pid) {
    if (pid <= 0) {
      return false;
    }
    Path stat = Path.of("/proc", Long.toString(pid), "stat");
    if (Files.isDirectory(Path.of("/proc/self"))) {
      try {
        String s = Files.readString(stat, StandardCharsets.UTF_8);
        int paren = s.lastIndexOf(')');
        char state = paren >= 0 && paren + 2 < s.length() ? s.charAt(paren + 2) : '?';
        // a killed postmaster reparented to a non-reaping pid 1 stays a zombie: treat as dead
        return state != 'Z' && state != 'X';
      } catch (IOException e) {
        return false;
      }
    }
    return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
  }

  /**
   * The pid of the live postmaster serving dataDir, if any: the pid file's pid must be alive and
   * must be working in this data directory (its cwd), which rules out a stale pid file whose pid
   * was reused by another process.
   */
  public static Optional<Long> livePid(Path dataDir) {
    Optional<PidFile> pf = readPidFile(dataDir);
    if (pf.isEmpty() || !isAlive(pf.get().pid())) {
      return Optional.empty();
    }
    long pid = pf.get().pid();
    Optional<Path> cwd = cwdOf(pid);
    if (cwd.isPresent()) {
      return cwd.get().equals(realPath(dataDir)) ? Optional.of(pid) : Optional.empty();
    }
    // cwd unreadable (non-Linux or permissions): fall back to the executable's name
    Optional<String> cmd = ProcessHandle.of(pid).flatMap(h -> h.info().command());
    return cmd.isEmpty() || cmd.get().endsWith("postgres") || cmd.get().endsWith("postmaster")
        ? Optional.of(pid)
        : Optional.empty();
  }

  /**
   * Live PostgreSQL processes (executable named postgres) whose working directory is dataDir or
   * below: every server process chdirs into its data directory, so after a postmaster crash this
   * finds the orphaned backends still attached to its shared memory (and a single-user postgres).
   * An operator's shell there doesn't count.
   */
  public static List<Long> processesIn(Path dataDir) {
    List<Long> found = new ArrayList<>();
    Path real = realPath(dataDir);
    Path proc = Path.of("/proc");
    if (!Files.isDirectory(proc)) {
      return found;
    }
    try (Stream<Path> s = Files.list(proc)) {
      s.map(p -> p.getFileName().toString())
          .filter(n -> !n.isEmpty() && n.chars().allMatch(Character::isDigit))
          .map(Long::parseLong)
          .filter(pid -> pid != ProcessHandle.current().pid())
          .filter(pid -> cwdOf(pid).map(c -> c.startsWith(real)).orElse(false))
          .filter(Postmaster::isPostgresExecutable)
          .filter(Postmaster::isAlive)
          .forEach(found::add);
    } catch (IOException e) {
      // best effort
    }
    return found;
  }

  /**
   * Sends a signal by name (TERM, INT, QUIT, KILL, HUP) with the kill command; returns whether it
   * was delivered.
   */
  public static boolean signal(long pid, String signal) {
    if (pid <= 0) {
      return false;
    }
    PgProcess.Result r =
        PgProcess.run(
            List.of("kill", "-s", signal, Long.toString(pid)), null, Duration.ofSeconds(5));
    return r.ok();
  }

  /** Waits until pid is gone; returns whether it went within the timeout. */
  public static boolean awaitExit(long pid, Duration timeout) {
    return awaitExit(pid, timeout, 50);
  }

  /** As {@link #awaitExit(long, Duration)}, looking every {@code pollMs} milliseconds. */
  public static boolean awaitExit(long pid, Duration timeout, long pollMs) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (isAlive(pid)) {
      if (System.nanoTime() > deadline) {
        return false;
      }
      sleep(pollMs);
    }
    return true;
  }

  private static boolean isPostgresExecutable(long pid) {
    try {
      String exe =
          Files.readSymbolicLink(Path.of("/proc", Long.toString(pid), "exe"))
              .getFileName()
              .toString();
      return exe.equals("postgres") || exe.equals("postmaster");
    } catch (IOException | UnsupportedOperationException | SecurityException e) {
      return false;
    }
  }

  static Optional<Path> cwdOf(long pid) {
    try {
      return Optional.of(Files.readSymbolicLink(Path.of("/proc", Long.toString(pid), "cwd")));
    } catch (IOException | UnsupportedOperationException | SecurityException e) {
      return Optional.empty();
    }
  }

  static Path realPath(Path p) {
    try {
      return p.toRealPath();
    } catch (IOException e) {
      return p.toAbsolutePath().normalize();
    }
  }

  static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new PgException("interrupted", e);
    }
  }

  /**
   * Handles postmaster.pid left by a dead postmaster before starting. Orphaned backends still
   * attached to its shared memory must exit first (PostgreSQL refuses to start otherwise, to
   * protect the data). A pid file whose pid is now a zombie or another live process is removed: the
   * postmaster would take such a pid for a running server. A pid file whose pid is simply gone is
   * left to the postmaster, which removes it and cleans up the old shared memory itself.
   */
  static void clearStalePidFile(Path dir, Duration timeout) {
    Path pidFile = dir.resolve("postmaster.pid");
    if (!Files.exists(pidFile)) {
      return;
    }
    long waitUntil =
        System.nanoTime() + Math.min(timeout.toNanos(), Duration.ofSeconds(15).toNanos());
    List<Long> orphans = processesIn(dir);
    while (!orphans.isEmpty() && System.nanoTime() < waitUntil) {
      sleep(200);
      orphans = processesIn(dir);
    }
    if (!orphans.isEmpty()) {
      throw new PgException(
          "start: the postmaster of "
              + dir
              + " is dead but PostgreSQL processes "
              + orphans
              + " still run there; stop them first");
    }
    Optional<PidFile> pf = readPidFile(dir);
    boolean pidOccupied =
        pf.isPresent() && Files.exists(Path.of("/proc", Long.toString(pf.get().pid())));
    if (pf.isEmpty() || pidOccupied) {
      try {
        Files.deleteIfExists(pidFile);
        log.warn(
            "removed stale postmaster.pid in {} (pid {} is not a live postmaster)",
            dir,
            pf.map(p -> Long.toString(p.pid())).orElse("unreadable"));
      } catch (IOException e) {
        throw new PgException("start: cannot remove stale " + pidFile + ": " + e.getMessage(), e);
      }
    }
  }

  /**
   * Removes socket lock files (and their sockets) for {@code port} in {@code dirs} whose pid is not
   * a live process. The postmaster does this itself for a vanished pid, but a killed postmaster
   * reparented to a pid 1 that doesn't reap stays a zombie, which still answers kill(pid, 0) and
   * would make the new postmaster refuse to start.
   */
  static void clearStaleSocketLocks(List<Path> dirs, int port) {
    String name = ".s.PGSQL." + port;
    for (Path d : dirs) {
      Path lock = d.resolve(name + ".lock");
      try {
        if (!Files.exists(lock)) {
          continue;
        }
        List<String> lines = Files.readAllLines(lock, StandardCharsets.UTF_8);
        long pid = lines.isEmpty() ? 0 : Long.parseLong(lines.get(0).strip());
        if (!isAlive(pid)) {
          Files.deleteIfExists(d.resolve(name));
          Files.deleteIfExists(lock);
          log.warn("removed stale socket lock {} of dead pid {}", lock, pid);
        }
      } catch (IOException | NumberFormatException e) {
        log.warn("cannot check socket lock {}: {}", lock, e.toString());
      }
    }
  }
}
