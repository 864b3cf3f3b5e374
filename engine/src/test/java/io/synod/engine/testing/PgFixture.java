package io.synod.engine.testing;

import io.synod.engine.postgres.PgFiles;
import io.synod.engine.postgres.PgSettings;
import io.synod.engine.postgres.Postgres;
import io.synod.engine.postgres.Postmaster;
import io.synod.store.testing.Ports;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Real PostgreSQL 15 servers for tests: free loopback ports, a temp directory (owned by postgres
 * when the JVM is root), and cleanup that always happens: {@link #close()} stops every server it
 * made by PID (SIGQUIT, then SIGKILL), kills any PostgreSQL process still working under the temp
 * directory, and deletes it. A JVM shutdown hook does the same for fixtures a crashed test never
 * closed.
 */
public final class PgFixture implements AutoCloseable {
  public static final Path BIN_DIR = Path.of("/usr/lib/postgresql/15/bin");
  private static final List<PgFixture> OPEN = new CopyOnWriteArrayList<>();

  static {
    Runtime.getRuntime()
        .addShutdownHook(new Thread(() -> OPEN.forEach(PgFixture::close), "pg-fixture-cleanup"));
  }

  private final Path baseDir;
  private final List<Postgres> servers = new CopyOnWriteArrayList<>();
  private volatile boolean closed;

  public PgFixture() {
    requireBinaries(BIN_DIR);
    try {
      baseDir = Files.createTempDirectory("synod-pg-");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    PgFiles.chownToPostgres(baseDir); // postgres must traverse it to reach data directories
    OPEN.add(this);
  }

  /** Fails (never skips) when the PostgreSQL binaries are missing, saying how to install them. */
  public static void requireBinaries(Path binDir) {
    for (String b :
        List.of("initdb", "pg_ctl", "postgres", "pg_basebackup", "pg_rewind", "pg_controldata")) {
      if (!Files.isExecutable(binDir.resolve(b))) {
        throw new IllegalStateException(
            "PostgreSQL 15 binaries not found ("
                + binDir.resolve(b)
                + " is missing): apt-get install postgresql-15");
      }
    }
  }

  public Path baseDir() {
    return baseDir;
  }

  /** A loopback port that was free a moment ago and that this JVM has not handed out before. */
  public static int freePort() {
    return Ports.free();
  }

  /**
   * Settings for a test member: data dir {@code <base>/<name>}, a fresh port, passwords for every
   * role, a separate rewind role, slots and rewind on, fsync off and small memory (test speed
   * only).
   */
  public PgSettings settings(String name) {
    Map<String, String> params = new LinkedHashMap<>();
    params.put("fsync", "off");
    params.put("max_connections", "30");
    params.put("shared_buffers", "16MB");
    return new PgSettings(
        name,
        baseDir.resolve(name),
        BIN_DIR,
        "127.0.0.1",
        freePort(),
        "127.0.0.1",
        new PgSettings.Credentials("postgres", "su-secret"),
        new PgSettings.Credentials("replicator", "rep-secret"),
        new PgSettings.Credentials("rewinder", "rw-secret"),
        params,
        List.of(),
        List.of("no-sync"),
        Duration.ofSeconds(30),
        true,
        true,
        false,
        Map.of(),
        null,
        null,
        "synod-test");
  }

  /** A Postgres this fixture will stop and clean up. */
  public Postgres postgres(PgSettings settings) {
    Postgres pg = new Postgres(settings);
    servers.add(pg);
    return pg;
  }

  /** SIGKILLs the postmaster only (its children notice and exit on their own), like a crash. */
  public static void killPostmaster(Postgres pg) {
    long pid = pg.postmasterPid().orElseThrow(() -> new IllegalStateException("not running"));
    Postmaster.signal(pid, "KILL");
    Postmaster.awaitExit(pid, Duration.ofSeconds(10));
  }

  /**
   * Stops a server by PID: SIGQUIT (immediate shutdown), then SIGKILL for it and anything left in
   * its data dir.
   */
  public static void stopByPid(Path dataDir) {
    Postmaster.readPidFile(dataDir)
        .ifPresent(
            pf -> {
              if (Postmaster.isAlive(pf.pid())) {
                Postmaster.signal(pf.pid(), "QUIT");
                if (!Postmaster.awaitExit(pf.pid(), Duration.ofSeconds(10))) {
                  Postmaster.signal(pf.pid(), "KILL");
                  Postmaster.awaitExit(pf.pid(), Duration.ofSeconds(5));
                }
              }
            });
    killAll(Postmaster.processesIn(dataDir));
  }

  private static void killAll(List<Long> pids) {
    for (long pid : pids) {
      Postmaster.signal(pid, "KILL");
    }
    for (long pid : pids) {
      Postmaster.awaitExit(pid, Duration.ofSeconds(5));
    }
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    List<Throwable> problems = new ArrayList<>();
    for (Postgres pg : servers) {
      try {
        pg.close();
        stopByPid(pg.dataDir());
      } catch (RuntimeException e) {
        problems.add(e);
      }
    }
    try {
      killAll(Postmaster.processesIn(baseDir));
      PgFiles.deleteRecursively(baseDir);
    } catch (RuntimeException e) {
      problems.add(e);
    }
    OPEN.remove(this);
    if (!problems.isEmpty()) {
      IllegalStateException e = new IllegalStateException("PgFixture cleanup had problems");
      problems.forEach(e::addSuppressed);
      throw e;
    }
  }
}
