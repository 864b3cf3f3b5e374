package io.synod.bridges.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

/**
 * A DCS server run by a test: its own temp dir, started as a child process, stopped by PID (with
 * every descendant) in {@link #close()}, also from a shutdown hook when the test JVM dies first.
 */
public abstract class ServerProcess implements AutoCloseable {
  public final Path dir;
  private Process proc;
  private final Thread hook =
      new Thread(this::killQuietly, getClass().getSimpleName() + "-cleanup");
  private boolean closed;

  protected ServerProcess(String name) throws IOException {
    dir = Files.createTempDirectory("synod-" + name + "-");
    Runtime.getRuntime().addShutdownHook(hook);
  }

  protected abstract List<String> command();

  protected abstract boolean healthy();

  protected abstract String what();

  /** Starts the server (again, on the same ports and data) and waits until it answers. */
  public synchronized void start() throws IOException {
    if (proc != null && proc.isAlive()) {
      return;
    }
    proc =
        new ProcessBuilder(command())
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("server.log").toFile()))
            .start();
    await(
        Duration.ofSeconds(30),
        this::healthy,
        what() + " to answer (log: " + dir.resolve("server.log") + ")");
  }

  /** Stops the server like an operator would (SIGTERM, SIGKILL after 10 s), keeping its data. */
  public synchronized void stop() {
    if (proc == null) {
      return;
    }
    List<ProcessHandle> kids = proc.descendants().toList();
    proc.destroy();
    try {
      if (!proc.waitFor(10, TimeUnit.SECONDS)) {
        proc.destroyForcibly();
        proc.waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    kids.forEach(ProcessHandle::destroyForcibly);
    proc = null;
  }

  public synchronized boolean running() {
    return proc != null && proc.isAlive();
  }

  public long pid() {
    return proc == null ? -1 : proc.pid();
  }

  private synchronized void killQuietly() {
    if (proc != null) {
      proc.descendants().forEach(ProcessHandle::destroyForcibly);
      proc.destroyForcibly();
      try {
        proc.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      proc = null;
    }
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    killQuietly();
    if (System.getenv("SYNOD_KEEP_TEST_DIRS") == null) {
      try (Stream<Path> s = Files.walk(dir)) {
        s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      } catch (IOException e) {
        // best effort
      }
    }
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException e) {
      // already shutting down
    }
  }

  static void await(Duration timeout, BooleanSupplier ok, String what) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!ok.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out after " + timeout + " waiting for " + what);
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted waiting for " + what);
      }
    }
  }

  static void requireExecutable(Path p, String install) {
    if (!Files.isExecutable(p) && !Files.isRegularFile(p)) {
      throw new IllegalStateException(p + " not found: " + install);
    }
  }
}
