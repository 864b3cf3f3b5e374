package io.synod.bench.chaos;

import io.synod.bench.chaos.Overlap.Ack;
import io.synod.bench.cluster.HaCluster;
import io.synod.bench.cluster.HaCluster.Node;
import io.synod.bench.drill.WriteProbe;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The client outside the hosts: one thread per node, each with its own connection (reconnecting
 * when it breaks), trying a one-row autocommit INSERT every {@code intervalMs} whatever the node's
 * role. A replica refuses (read-only); a primary, even one cut off from its peers, answers. Each
 * acknowledged write is recorded with the node, the send and answer times and the timeline it was
 * written on ({@code pg_walfile_name} of the insert position: its first 8 hex digits).
 *
 * <p>Ids come from one counter and are never reused, so after healing {@link #present} tells which
 * acknowledged writes the cluster kept.
 */
public final class Prober implements AutoCloseable {
  public static final String TABLE = "chaos_probe";

  private final HaCluster cluster;
  private final long intervalMs;
  private final AtomicLong nextId = new AtomicLong(1);
  private final List<Ack> acks = new ArrayList<>();
  private final List<Long> uncertain = new ArrayList<>();
  private final List<Thread> threads = new ArrayList<>();
  private volatile boolean running = true;

  public Prober(HaCluster cluster, long intervalMs) {
    this.cluster = cluster;
    this.intervalMs = intervalMs;
    for (Node n : cluster.nodes()) {
      Thread t = new Thread(() -> loop(n), "chaos-probe-" + n.name);
      t.setDaemon(true);
      threads.add(t);
    }
  }

  /** Creates the table on the primary and starts writing. */
  public Prober start(Node primary) throws SQLException {
    try (Connection c = connect(primary, 5);
        Statement s = c.createStatement()) {
      s.execute(
          "CREATE TABLE IF NOT EXISTS "
              + TABLE
              + " (id bigint NOT NULL, node text NOT NULL, at timestamptz DEFAULT clock_timestamp())");
    }
    threads.forEach(Thread::start);
    return this;
  }

  private Connection connect(Node n, int connectTimeoutSeconds) throws SQLException {
    // socket timeout 5 s: a commit waiting for a cut-off synchronous standby counts as uncertain
    return HaCluster.connect(n, connectTimeoutSeconds, 5, "synod-chaos-prober");
  }

  private void loop(Node n) {
    Connection c = null;
    PreparedStatement ps = null;
    while (running) {
      long next = System.nanoTime() + intervalMs * 1_000_000L;
      long id = -1;
      try {
        if (c == null) {
          c = connect(n, 1);
          c.setAutoCommit(true);
          ps =
              c.prepareStatement(
                  "INSERT INTO "
                      + TABLE
                      + " (id, node) VALUES (?, ?)"
                      + " RETURNING substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8)");
          ps.setString(2, n.name);
        }
        id = nextId.getAndIncrement();
        ps.setLong(1, id);
        long sent = System.nanoTime();
        String tl;
        try (ResultSet r = ps.executeQuery()) {
          r.next();
          tl = r.getString(1);
        }
        long at = System.nanoTime();
        synchronized (this) {
          acks.add(new Ack(id, n.name, sent, at, Integer.parseInt(tl, 16)));
        }
      } catch (SQLException e) {
        String state = e.getSQLState() == null ? "" : e.getSQLState();
        if (!state.equals("25006")) { // not "read-only transaction": the outcome is unknown
          if (id > 0 && ps != null) {
            synchronized (this) {
              uncertain.add(id);
            }
          }
          WriteProbe.close(c);
          c = null;
          ps = null;
        }
      }
      if (running && !WriteProbe.sleepUntil(next)) {
        break;
      }
    }
    WriteProbe.close(c);
  }

  /** Acknowledged writes answered in [fromNanos, toNanos]. */
  public synchronized List<Ack> acks(long fromNanos, long toNanos) {
    List<Ack> out = new ArrayList<>();
    for (Ack a : acks) {
      if (a.nanos() >= fromNanos && a.nanos() <= toNanos) {
        out.add(a);
      }
    }
    return out;
  }

  public synchronized int uncertainCount() {
    return uncertain.size();
  }

  /** The ids the table holds now, read from {@code primary}. */
  public Set<Long> present(Node primary) throws SQLException {
    Set<Long> ids = new HashSet<>();
    try (Connection c = connect(primary, 5);
        Statement s = c.createStatement()) {
      c.setAutoCommit(false);
      s.setFetchSize(50_000);
      try (ResultSet r = s.executeQuery("SELECT id FROM " + TABLE)) {
        while (r.next()) {
          ids.add(r.getLong(1));
        }
      }
      c.commit();
    }
    return ids;
  }

  @Override
  public void close() {
    running = false;
    threads.forEach(Thread::interrupt);
    for (Thread t : threads) {
      try {
        t.join(10_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
