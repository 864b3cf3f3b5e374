package io.synod.bench.checker;

import io.synod.bench.cluster.HaCluster;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLWarning;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * The write checker: one connection writing numbered rows as fast as it can through the cluster's
 * current primary, found by asking each member's REST API {@code GET /primary} (200 on the leader
 * only, as HAProxy does). On any error it drops the connection and looks for the primary again.
 * Every acknowledged commit goes into a {@link WriteLedger}; an INSERT in flight when the
 * connection broke is recorded as in doubt. After the cluster healed, {@link #verify} reads the
 * rows back from the primary and compares.
 *
 * <p>The table has no primary key on purpose: a row that appears twice must be seen, not refused.
 * Reusable: give it the members (name, REST base URL, PostgreSQL host and port) and a superuser.
 */
public final class WriteChecker implements AutoCloseable {
  public static final String TABLE = "synod_write_check";

  /** A member the checker may write through. */
  public record Target(String name, String restBase, String host, int pgPort) {}

  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofMillis(500)).build();

  private final List<Target> targets;
  private final String user;
  private final String password;
  private final WriteLedger ledger = new WriteLedger();
  private final Thread thread;
  private volatile boolean running = true;
  private volatile long nextId = 1;
  private volatile int reconnects;
  private volatile String lastError;

  public WriteChecker(List<Target> targets, String user, String password) {
    this.targets = List.copyOf(targets);
    this.user = user;
    this.password = password;
    this.thread = new Thread(this::loop, "write-checker");
    this.thread.setDaemon(true);
  }

  /** The members of a bench cluster, with the superuser the bench clusters use. */
  public static WriteChecker forCluster(HaCluster c) {
    List<Target> t = new ArrayList<>();
    for (HaCluster.Node n : c.nodes()) {
      t.add(new Target(n.name, "http://" + n.host + ":" + n.restPort, n.host, n.pgPort));
    }
    return new WriteChecker(t, "postgres", "postgres");
  }

  public WriteLedger ledger() {
    return ledger;
  }

  public int reconnects() {
    return reconnects;
  }

  public String lastError() {
    return lastError;
  }

  /** Creates the table (through the current primary) and starts writing. */
  public WriteChecker start(Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    SQLException last = null;
    while (System.nanoTime() < deadline) {
      Target p = locate();
      if (p != null) {
        try (Connection c = connect(p, 5);
            Statement s = c.createStatement()) {
          s.execute(
              "CREATE TABLE IF NOT EXISTS "
                  + TABLE
                  + " (id bigint NOT NULL, node text NOT NULL,"
                  + " at timestamptz NOT NULL DEFAULT clock_timestamp())");
          thread.start();
          return this;
        } catch (SQLException e) {
          last = e;
        }
      }
      Thread.sleep(200);
    }
    throw new IllegalStateException("no primary to create " + TABLE + " on", last);
  }

  /** The member whose {@code GET /primary} answers 200 now, or null. */
  public Target locate() {
    for (Target t : targets) {
      try {
        HttpResponse<Void> r =
            HTTP.send(
                HttpRequest.newBuilder(URI.create(t.restBase() + "/primary"))
                    .timeout(Duration.ofMillis(800))
                    .build(),
                HttpResponse.BodyHandlers.discarding());
        if (r.statusCode() == 200) {
          return t;
        }
      } catch (java.io.IOException e) {
        // down or not answering: not the primary
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return null;
      }
    }
    return null;
  }

  private Connection connect(Target t, int connectTimeoutSeconds) throws SQLException {
    Properties p = new Properties();
    p.setProperty("user", user);
    p.setProperty("password", password);
    p.setProperty("connectTimeout", String.valueOf(connectTimeoutSeconds));
    // no queryTimeout: a cancel during a synchronous-commit wait would report success
    p.setProperty("socketTimeout", "30");
    p.setProperty("tcpKeepAlive", "true");
    p.setProperty("ApplicationName", "synod-write-checker");
    return DriverManager.getConnection(
        "jdbc:postgresql://" + t.host() + ":" + t.pgPort() + "/postgres", p);
  }

  private void loop() {
    while (running) {
      Target t = locate();
      if (t == null) {
        pause(20);
        continue;
      }
      try (Connection c = connect(t, 2);
          PreparedStatement ps =
              c.prepareStatement("INSERT INTO " + TABLE + " (id, node) VALUES (?, ?)")) {
        c.setAutoCommit(true);
        ps.setString(2, t.name());
        while (running) {
          long id = nextId++;
          ps.setLong(1, id);
          long t0 = System.nanoTime();
          try {
            ps.executeUpdate();
          } catch (SQLException e) {
            if ("25006".equals(e.getSQLState())) {
              ledger.refused(); // read-only: not the primary any more, nothing written
            } else {
              ledger.uncertain(
                  new WriteLedger.Uncertain(
                      id, t.name(), System.currentTimeMillis(), String.valueOf(e.getMessage())));
            }
            throw e;
          }
          long t1 = System.nanoTime();
          SQLWarning w = ps.getWarnings();
          ledger.ack(
              new WriteLedger.Ack(
                  id,
                  t.name(),
                  System.currentTimeMillis(),
                  t1,
                  (t1 - t0) / 1000,
                  w == null ? null : w.getMessage()));
          if (w != null) {
            ps.clearWarnings();
          }
        }
      } catch (SQLException e) {
        lastError = t.name() + ": " + e.getMessage();
        reconnects++;
        pause(10);
      }
    }
  }

  private void pause(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      running = false;
    }
  }

  /** Stops writing; waits for the in-flight INSERT to end (bounded by the socket timeout). */
  @Override
  public void close() {
    running = false;
    try {
      thread.join(40_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Stops writing, reads every row back from the current primary (retrying until one answers,
   * within {@code timeout}) and compares with the ledger.
   */
  public CheckResult verify(Duration timeout) throws Exception {
    close();
    long deadline = System.nanoTime() + timeout.toNanos();
    Exception last = null;
    while (System.nanoTime() < deadline) {
      Target p = locate();
      if (p != null) {
        try (Connection c = connect(p, 5);
            Statement s = c.createStatement()) {
          c.setAutoCommit(false); // lets the driver fetch in batches
          s.setFetchSize(50_000);
          Map<Long, Integer> found = new HashMap<>();
          try (ResultSet r = s.executeQuery("SELECT id, count(*) FROM " + TABLE + " GROUP BY id")) {
            while (r.next()) {
              found.put(r.getLong(1), r.getInt(2));
            }
          }
          c.commit();
          return ledger.check(found);
        } catch (SQLException e) {
          last = e;
        }
      }
      Thread.sleep(500);
    }
    throw new IllegalStateException("could not read " + TABLE + " back from a primary", last);
  }
}
