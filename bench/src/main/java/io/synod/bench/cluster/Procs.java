package io.synod.bench.cluster;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** Process, port and directory helpers. Everything is done by PID; nothing is killed by name. */
public final class Procs {
  public static final boolean ROOT = detectRoot();

  private Procs() {}

  /** SIGKILL of a process and every descendant it has now (snapshotted first, then all killed). */
  public static void killTree(long pid) {
    Optional<ProcessHandle> h = ProcessHandle.of(pid);
    if (h.isEmpty()) {
      return;
    }
    List<ProcessHandle> all = new ArrayList<>(h.get().descendants().toList());
    all.add(0, h.get());
    all.forEach(ProcessHandle::destroyForcibly);
    for (ProcessHandle p : all) {
      try {
        p.onExit().get(10, TimeUnit.SECONDS);
      } catch (Exception e) {
        // reaped by someone else, or not our child: gone or going
      }
    }
  }

  /** SIGKILL of exactly these processes at once, then waits (bounded) until they are gone. */
  public static void killAll(List<Long> pids) {
    List<ProcessHandle> hs = new ArrayList<>();
    for (long pid : pids) {
      ProcessHandle.of(pid).ifPresent(hs::add);
    }
    hs.forEach(ProcessHandle::destroyForcibly);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    for (ProcessHandle p : hs) {
      while (p.isAlive() && System.nanoTime() < deadline) {
        sleep(5);
      }
    }
  }

  /** Descendant PIDs of a process (snapshot). */
  public static List<Long> descendants(long pid) {
    return ProcessHandle.of(pid)
        .map(h -> h.descendants().map(ProcessHandle::pid).toList())
        .orElse(List.of());
  }

  /** The postmaster PID from DATA/postmaster.pid, when the file is there and the process lives. */
  public static Optional<Long> postmasterPid(Path dataDir) {
    try {
      String first =
          Files.readAllLines(dataDir.resolve("postmaster.pid"), StandardCharsets.UTF_8)
              .get(0)
              .trim();
      long pid = Long.parseLong(first);
      return ProcessHandle.of(pid).filter(ProcessHandle::isAlive).map(x -> pid);
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  /** SIGKILL the postmaster of a data directory and all its children. */
  public static void killPostmaster(Path dataDir) {
    postmasterPid(dataDir).ifPresent(Procs::killTree);
  }

  public static void deleteRecursively(Path dir) {
    if (dir == null || !Files.exists(dir)) {
      return;
    }
    try (Stream<Path> s = Files.walk(dir)) {
      s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      System.err.println("bench: could not delete " + dir + ": " + e);
    }
  }

  /** chown -R postgres:postgres (only when root; PostgreSQL refuses to run as root). */
  public static void chownToPostgres(Path p) {
    if (!ROOT) {
      return;
    }
    run(List.of("chown", "-R", "postgres:postgres", p.toString()), 30);
  }

  /** Runs a short command, returns its stdout+stderr (or "" on failure). */
  public static String run(List<String> cmd, int timeoutSeconds) {
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      byte[] out = p.getInputStream().readAllBytes();
      if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
        killTree(p.pid());
      }
      return new String(out, StandardCharsets.UTF_8).trim();
    } catch (IOException e) {
      return "";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "";
    }
  }

  public static void sleep(long ms) {
    try {
      Thread.sleep(Math.max(0, ms));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  private static boolean detectRoot() {
    try {
      Object uid = Files.getAttribute(Path.of("/proc/self"), "unix:uid");
      return uid instanceof Integer i && i == 0;
    } catch (Exception e) {
      return "root".equals(System.getProperty("user.name"));
    }
  }
}
