package io.synod.bench.checker;

import io.synod.bench.checker.WriteChecker.Target;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A background pgbench (TPC-B-like, {@code -c clients -j 1}) against the current primary, found the
 * way the write checker finds it; when pgbench exits (its primary died or stepped down) it starts
 * again on the new one. Only the process it started is ever stopped, by its PID.
 */
public final class PgbenchLoad implements AutoCloseable {
  public static final String PGBENCH = "/usr/lib/postgresql/15/bin/pgbench";

  private final WriteChecker locator;
  private final int clients;
  private final Path log;
  private final String password;
  private final Thread thread;
  private volatile boolean running = true;
  private volatile Process proc;
  private volatile int starts;

  public PgbenchLoad(WriteChecker locator, int clients, Path log, String password) {
    this.locator = locator;
    this.clients = clients;
    this.log = log;
    this.password = password;
    this.thread = new Thread(this::loop, "pgbench-load");
    this.thread.setDaemon(true);
  }

  /** pgbench -i -s 1 on the primary, then the load in the background. */
  public PgbenchLoad start() throws Exception {
    Target p = null;
    for (int i = 0; i < 100 && p == null; i++) {
      p = locator.locate();
      if (p == null) {
        Thread.sleep(200);
      }
    }
    if (p == null) {
      throw new IllegalStateException("no primary for pgbench -i");
    }
    Process init = pgbench(p, List.of("-i", "-q", "-s", "1")).start();
    if (!init.waitFor(120, TimeUnit.SECONDS) || init.exitValue() != 0) {
      init.destroyForcibly();
      throw new IllegalStateException("pgbench -i failed; see " + log);
    }
    thread.start();
    return this;
  }

  public int starts() {
    return starts;
  }

  private ProcessBuilder pgbench(Target t, List<String> args) {
    List<String> cmd =
        new java.util.ArrayList<>(
            List.of(PGBENCH, "-h", t.host(), "-p", String.valueOf(t.pgPort()), "-U", "postgres"));
    cmd.addAll(args);
    cmd.add("postgres");
    ProcessBuilder pb =
        new ProcessBuilder(cmd)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    pb.environment().put("PGPASSWORD", password);
    pb.environment().put("PGCONNECT_TIMEOUT", "2");
    return pb;
  }

  private void loop() {
    while (running) {
      Target t = locator.locate();
      if (t != null) {
        try {
          proc =
              pgbench(
                      t,
                      List.of(
                          "-n",
                          "-c",
                          String.valueOf(clients),
                          "-j",
                          "1",
                          "-T",
                          "100000",
                          "-P",
                          "30"))
                  .start();
          starts++;
          proc.waitFor();
        } catch (IOException e) {
          // pgbench missing: nothing to do but retry slowly
        } catch (InterruptedException e) {
          break;
        }
      }
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        break;
      }
    }
  }

  @Override
  public void close() {
    running = false;
    Process p = proc;
    if (p != null) {
      p.destroyForcibly();
      try {
        p.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    thread.interrupt();
    try {
      thread.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    p = proc;
    if (p != null && p.isAlive()) {
      p.destroyForcibly();
    }
  }
}
