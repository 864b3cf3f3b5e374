package io.synod.engine.postgres;

import java.io.File;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs external commands with a timeout and captured output. PostgreSQL refuses to run as root, so
 * when the JVM is root, PostgreSQL binaries run as the {@value #POSTGRES_USER} OS user through
 * {@code runuser}; otherwise they run directly as the JVM's user.
 *
 * <p>Output goes to temporary files rather than pipes: pg_ctl's postmaster (a grandchild) could
 * otherwise keep a pipe open and make a reader wait forever.
 */
public final class PgProcess {
  public static final String POSTGRES_USER = "postgres";
  static final int TAIL_CHARS = 2000;
  private static final long MAX_CAPTURE = 1 << 20;
  private static final boolean ROOT = detectRoot();

  private PgProcess() {}

  /** Exit status and output of one command. */
  public record Result(
      List<String> command, int exitCode, String stdout, String stderr, boolean timedOut) {
    public boolean ok() {
      return !timedOut && exitCode == 0;
    }

    /**
     * A one-line description for exceptions and logs: command, exit status and stderr (or stdout)
     * tail.
     */
    public String describe() {
      String out = !stderr.isBlank() ? stderr : stdout;
      return String.join(" ", command)
          + (timedOut ? " timed out" : " exited " + exitCode)
          + (out.isBlank() ? "" : ": " + tail(out.strip(), TAIL_CHARS));
    }
  }

  /** Whether the JVM runs as root (uid 0). */
  public static boolean isRoot() {
    return ROOT;
  }

  /** The command prefixed with {@code runuser -u postgres --} when the JVM is root. */
  public static List<String> asPostgres(List<String> command) {
    if (!ROOT) {
      return List.copyOf(command);
    }
    List<String> cmd = new ArrayList<>(List.of("runuser", "-u", POSTGRES_USER, "--"));
    cmd.addAll(command);
    return cmd;
  }

  /**
   * Runs a PostgreSQL binary (as postgres when root) with libpq's PG* variables from the JVM's
   * environment removed so they cannot redirect it; env adds variables (e.g. PGPASSWORD, kept out
   * of the command line and ps).
   */
  public static Result runPg(List<String> command, Map<String, String> env, Duration timeout) {
    return run(asPostgres(command), env, timeout, true);
  }

  /**
   * {@link #runPg} that hands each new line of the command's stderr to {@code stderrLines} about
   * once a second while it runs (pg_basebackup --progress reports there).
   */
  public static Result runPg(
      List<String> command,
      Map<String, String> env,
      Duration timeout,
      java.util.function.Consumer<String> stderrLines) {
    return run(asPostgres(command), env, timeout, true, stderrLines);
  }

  /** Runs a command as the JVM's user (callbacks, scripts). */
  public static Result run(List<String> command, Map<String, String> env, Duration timeout) {
    return run(command, env, timeout, false);
  }

  /** Runs a command and throws {@link PgException} naming it unless it exits 0. */
  public static Result runPgChecked(
      String what, List<String> command, Map<String, String> env, Duration timeout) {
    Result r = runPg(command, env, timeout);
    if (!r.ok()) {
      throw new PgException(what + " failed: " + r.describe());
    }
    return r;
  }

  private static Result run(
      List<String> command, Map<String, String> env, Duration timeout, boolean pg) {
    return run(command, env, timeout, pg, null);
  }

  private static Result run(
      List<String> command,
      Map<String, String> env,
      Duration timeout,
      boolean pg,
      java.util.function.Consumer<String> stderrLines) {
    Path out = null;
    Path err = null;
    try {
      out = Files.createTempFile("synod-cmd-", ".out");
      err = Files.createTempFile("synod-cmd-", ".err");
      ProcessBuilder pb =
          new ProcessBuilder(command)
              .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
              .redirectOutput(out.toFile())
              .redirectError(err.toFile())
              // postgres may not be able to enter the JVM's working directory (e.g. /root)
              .directory(new File("/"));
      Map<String, String> e = pb.environment();
      if (pg) {
        e.keySet().removeIf(k -> k.startsWith("PG"));
        e.put("LC_MESSAGES", "C"); // English messages in errors we show and parse
      }
      if (env != null) {
        e.putAll(env);
      }
      Process p;
      try {
        p = pb.start();
      } catch (IOException ex) {
        throw new PgException(
            "cannot run " + String.join(" ", command) + ": " + ex.getMessage(), ex);
      }
      boolean done;
      try {
        done =
            stderrLines == null
                ? p.waitFor(Math.max(1, timeout.toMillis()), TimeUnit.MILLISECONDS)
                : waitWatching(p, timeout, err, stderrLines);
      } catch (InterruptedException ex) {
        killTree(p.toHandle());
        Thread.currentThread().interrupt();
        throw new PgException("interrupted while running " + String.join(" ", command), ex);
      }
      if (!done) {
        killTree(p.toHandle());
        try {
          p.waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException ex) {
          Thread.currentThread().interrupt();
        }
      }
      return new Result(
          List.copyOf(command), done ? p.exitValue() : -1, readCapped(out), readCapped(err), !done);
    } catch (IOException e) {
      throw new PgException(
          "cannot capture output of " + String.join(" ", command) + ": " + e.getMessage(), e);
    } finally {
      deleteQuietly(out);
      deleteQuietly(err);
    }
  }

  /** Waits like Process.waitFor, passing new complete stderr lines on about once a second. */
  private static boolean waitWatching(
      Process p, Duration timeout, Path err, java.util.function.Consumer<String> lines)
      throws InterruptedException, IOException {
    long deadline = System.nanoTime() + Math.max(1, timeout.toMillis()) * 1_000_000L;
    long offset = 0;
    while (true) {
      long left = deadline - System.nanoTime();
      boolean done = p.waitFor(Math.max(0, Math.min(left, 1_000_000_000L)), TimeUnit.NANOSECONDS);
      String fresh = readFrom(err, offset);
      int end = Math.max(fresh.lastIndexOf('\n'), fresh.lastIndexOf('\r'));
      if (end >= 0) {
        String complete = fresh.substring(0, end + 1);
        offset += complete.getBytes(StandardCharsets.UTF_8).length;
        for (String line : complete.split("[\r\n]+")) {
          if (!line.isBlank()) {
            lines.accept(line.strip());
          }
        }
      }
      if (done || left <= 0) {
        return done;
      }
    }
  }

  /** SIGKILLs a process and its descendants (runuser leaves its child behind otherwise). */
  static void killTree(ProcessHandle h) {
    h.descendants().forEach(ProcessHandle::destroyForcibly);
    h.destroyForcibly();
  }

  /** Last max characters of s. */
  static String tail(String s, int max) {
    return s.length() <= max ? s : "..." + s.substring(s.length() - max);
  }

  /** Reads a file's last MB as UTF-8 (used for captured output and log tails). */
  static String readCapped(Path file) throws IOException {
    return readFrom(file, -1);
  }

  /** Reads a file from offset (or its last MB when offset is negative), at most 1 MB. */
  static String readFrom(Path file, long offset) throws IOException {
    if (!Files.exists(file)) {
      return "";
    }
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
      long len = raf.length();
      long start = offset < 0 ? Math.max(0, len - MAX_CAPTURE) : Math.min(offset, len);
      start = Math.max(start, len - MAX_CAPTURE);
      byte[] buf = new byte[(int) (len - start)];
      raf.seek(start);
      raf.readFully(buf);
      return new String(buf, StandardCharsets.UTF_8);
    }
  }

  private static void deleteQuietly(Path p) {
    if (p != null) {
      try {
        Files.deleteIfExists(p);
      } catch (IOException ignored) {
        // a leftover temp file is harmless
      }
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
