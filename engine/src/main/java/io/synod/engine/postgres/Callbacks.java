package io.synod.engine.postgres;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * User commands: Patroni's callbacks (asynchronous, {@code <cmd> <action> <role> <scope>}),
 * pre_promote and post_bootstrap (synchronous). They run as the JVM's user, like Patroni runs them
 * as its own user. As in Patroni, a new callback kills the previous one if it is still running
 * (on_reload has its own slot), so a hung script can't pile up processes.
 */
final class Callbacks implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Callbacks.class);
  static final Set<String> EVENTS =
      Set.of("on_start", "on_stop", "on_restart", "on_reload", "on_role_change");

  private final ExecutorService waiters =
      Executors.newCachedThreadPool(
          r -> {
            Thread t = new Thread(r, "synod-pg-callback");
            t.setDaemon(true);
            return t;
          });
  private Process running;
  private Process runningReload;

  CompletableFuture<Integer> runAsync(String command, String event, String role, String scope) {
    if (!EVENTS.contains(event)) {
      throw new IllegalArgumentException(
          "unknown callback event " + event + "; expected one of " + EVENTS);
    }
    if (command == null || command.isBlank()) {
      return CompletableFuture.completedFuture(null);
    }
    List<String> cmd;
    try {
      cmd = new ArrayList<>(split(command));
    } catch (IllegalArgumentException e) {
      log.warn("callback {} not run: {}", event, e.getMessage());
      return CompletableFuture.completedFuture(-1);
    }
    cmd.add(event);
    cmd.add(role == null ? "" : role);
    cmd.add(scope == null ? "" : scope);
    Path out;
    Process p;
    try {
      out = Files.createTempFile("synod-callback-", ".out");
    } catch (IOException e) {
      log.warn("callback {} not run: {}", cmd, e.toString());
      return CompletableFuture.completedFuture(-1);
    }
    synchronized (this) {
      Process previous = event.equals("on_reload") ? runningReload : running;
      if (previous != null && previous.isAlive()) {
        log.warn("killing still-running callback (pid {}) to run {}", previous.pid(), event);
        PgProcess.killTree(previous.toHandle());
      }
      try {
        p =
            new ProcessBuilder(cmd)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectErrorStream(true)
                .redirectOutput(out.toFile())
                .start();
      } catch (IOException e) {
        log.warn("callback {} could not start: {}", cmd, e.getMessage());
        deleteQuietly(out);
        return CompletableFuture.completedFuture(-1);
      }
      if (event.equals("on_reload")) {
        runningReload = p;
      } else {
        running = p;
      }
    }
    log.info("callback started: {}", String.join(" ", cmd));
    Process started = p;
    return CompletableFuture.supplyAsync(
        () -> {
          try {
            int rc = started.waitFor();
            String output = PgProcess.readCapped(out).strip();
            if (rc == 0) {
              log.info(
                  "callback {} exited 0{}",
                  event,
                  output.isEmpty() ? "" : ": " + PgProcess.tail(output, 500));
            } else {
              log.warn(
                  "callback {} exited {}{}",
                  event,
                  rc,
                  output.isEmpty() ? "" : ": " + PgProcess.tail(output, 500));
            }
            return rc;
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
          } catch (IOException e) {
            return started.exitValue();
          } finally {
            deleteQuietly(out);
          }
        },
        waiters);
  }

  /**
   * Runs command + args synchronously; returns its exit code, or -1 if it could not run or timed
   * out.
   */
  int runSync(
      String what, String command, List<String> args, Map<String, String> env, Duration timeout) {
    try {
      List<String> cmd = new ArrayList<>(split(command));
      cmd.addAll(args);
      PgProcess.Result r = PgProcess.run(cmd, env, timeout);
      if (r.timedOut()) {
        log.warn("{} timed out after {}: {}", what, timeout, r.describe());
        return -1;
      }
      if (r.exitCode() != 0) {
        log.warn("{} failed: {}", what, r.describe());
      } else {
        log.info("{} exited 0", what);
      }
      return r.exitCode();
    } catch (PgException | IllegalArgumentException e) {
      log.warn("{} could not run: {}", what, e.getMessage());
      return -1;
    }
  }

  /**
   * Splits a command line like Python's shlex.split (quotes and backslashes; no variables or
   * globbing).
   */
  static List<String> split(String command) {
    List<String> out = new ArrayList<>();
    StringBuilder cur = new StringBuilder();
    boolean inWord = false;
    char quote = 0;
    for (int i = 0; i < command.length(); i++) {
      char c = command.charAt(i);
      if (quote == '\'') {
        if (c == '\'') {
          quote = 0;
        } else {
          cur.append(c);
        }
      } else if (quote == '"') {
        if (c == '"') {
          quote = 0;
        } else if (c == '\\'
            && i + 1 < command.length()
            && "\\\"$`".indexOf(command.charAt(i + 1)) >= 0) {
          cur.append(command.charAt(++i));
        } else {
          cur.append(c);
        }
      } else if (Character.isWhitespace(c)) {
        if (inWord) {
          out.add(cur.toString());
          cur.setLength(0);
          inWord = false;
        }
      } else {
        inWord = true;
        if (c == '\'' || c == '"') {
          quote = c;
        } else if (c == '\\' && i + 1 < command.length()) {
          cur.append(command.charAt(++i));
        } else {
          cur.append(c);
        }
      }
    }
    if (quote != 0) {
      throw new IllegalArgumentException("unbalanced quote in command: " + command);
    }
    if (inWord) {
      out.add(cur.toString());
    }
    if (out.isEmpty()) {
      throw new IllegalArgumentException("empty command");
    }
    return out;
  }

  @Override
  public synchronized void close() {
    for (Process p : new Process[] {running, runningReload}) {
      if (p != null && p.isAlive()) {
        PgProcess.killTree(p.toHandle());
      }
    }
    waiters.shutdown();
    try {
      waiters.awaitTermination(2, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void deleteQuietly(Path p) {
    try {
      Files.deleteIfExists(p);
    } catch (IOException ignored) {
      // harmless leftover
    }
  }
}
