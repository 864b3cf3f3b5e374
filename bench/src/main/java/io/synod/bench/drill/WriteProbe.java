package io.synod.bench.drill;

import io.synod.bench.cluster.HaCluster;
import io.synod.bench.cluster.HaCluster.Node;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A client writing continuously to some members: one thread per member, each keeping one JDBC
 * connection (reconnecting when it breaks) and trying a one-row autocommit INSERT every {@code
 * intervalMs}. It records when each commit came back (System.nanoTime), per member. On a replica
 * the INSERT fails at once (read-only) and the client keeps trying, so the first commit on a member
 * tells when it became a writable primary as a client sees it.
 */
public final class WriteProbe implements AutoCloseable {
  private final HaCluster cluster;
  private final long intervalMs;
  private final Map<String, List<Long>> commits = new ConcurrentHashMap<>();
  private final Map<String, Integer> reconnects = new ConcurrentHashMap<>();
  private final List<Thread> threads = new ArrayList<>();
  private volatile boolean running = true;
  private final Object signal = new Object();

  public WriteProbe(HaCluster cluster, List<Node> targets, long intervalMs) {
    this.cluster = cluster;
    this.intervalMs = intervalMs;
    for (Node n : targets) {
      commits.put(n.name, new CopyOnWriteArrayList<>());
      reconnects.put(n.name, 0);
      Thread t = new Thread(() -> loop(n), "write-probe-" + n.name);
      t.setDaemon(true);
      threads.add(t);
    }
  }

  /** Starts the writers and waits (bounded) until each has connected once. */
  public WriteProbe start() {
    threads.forEach(Thread::start);
    return this;
  }

  private void loop(Node n) {
    Connection c = null;
    PreparedStatement ps = null;
    List<Long> mine = commits.get(n.name);
    while (running) {
      long next = System.nanoTime() + intervalMs * 1_000_000L;
      try {
        if (c == null) {
          c = cluster.connect(n, 1);
          c.setAutoCommit(true);
          ps = c.prepareStatement("INSERT INTO " + HaCluster.PROBE_TABLE + " (node) VALUES (?)");
          ps.setString(1, n.name);
        }
        ps.executeUpdate();
        mine.add(System.nanoTime());
        synchronized (signal) {
          signal.notifyAll();
        }
      } catch (SQLException e) {
        String state = e.getSQLState() == null ? "" : e.getSQLState();
        if (!state.equals("25006")) { // anything but "read-only transaction": drop the connection
          close(c);
          c = null;
          ps = null;
          reconnects.merge(n.name, 1, Integer::sum);
        }
      }
      if (running && !WriteProbe.sleepUntil(next)) {
        break;
      }
    }
    close(c);
  }

  /** Closes a connection that may be broken already. */
  public static void close(Connection c) {
    if (c != null) {
      try {
        c.close();
      } catch (SQLException ignored) {
        // broken anyway
      }
    }
  }

  /** Sleeps until {@code nanoTime} (System.nanoTime); false when interrupted. */
  public static boolean sleepUntil(long nanoTime) {
    long ms = (nanoTime - System.nanoTime()) / 1_000_000L;
    if (ms > 0) {
      try {
        Thread.sleep(ms);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
    return true;
  }

  /**
   * The first commit on any of {@code names} at or after {@code afterNanos}: [nanos, index of
   * name], or null.
   */
  public long[] firstCommitAfter(List<String> names, long afterNanos) {
    long best = Long.MAX_VALUE;
    int who = -1;
    for (int i = 0; i < names.size(); i++) {
      for (long t : commits.getOrDefault(names.get(i), List.of())) {
        if (t >= afterNanos && t < best) {
          best = t;
          who = i;
          break;
        }
      }
    }
    return who < 0 ? null : new long[] {best, who};
  }

  /** The last commit on {@code name} strictly before {@code beforeNanos}, or -1. */
  public long lastCommitBefore(String name, long beforeNanos) {
    long best = -1;
    for (long t : commits.getOrDefault(name, List.of())) {
      if (t < beforeNanos) {
        best = Math.max(best, t);
      }
    }
    return best;
  }

  public int commitCount(String name) {
    return commits.getOrDefault(name, List.of()).size();
  }

  /**
   * Waits until some member of {@code names} committed at or after {@code afterNanos}, or the
   * timeout.
   */
  public long[] awaitFirstCommitAfter(List<String> names, long afterNanos, long timeoutMs)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeoutMs * 1_000_000L;
    while (true) {
      long[] f = firstCommitAfter(names, afterNanos);
      if (f != null) {
        return f;
      }
      long left = (deadline - System.nanoTime()) / 1_000_000L;
      if (left <= 0) {
        return null;
      }
      synchronized (signal) {
        signal.wait(Math.min(left, 50));
      }
    }
  }

  /**
   * Waits until {@code name} has committed at least once (the client is connected to the primary).
   */
  public boolean awaitAnyCommit(String name, long timeoutMs) throws InterruptedException {
    long deadline = System.nanoTime() + timeoutMs * 1_000_000L;
    while (commitCount(name) == 0) {
      if (System.nanoTime() > deadline) {
        return false;
      }
      Thread.sleep(10);
    }
    return true;
  }

  @Override
  public void close() {
    running = false;
    for (Thread t : threads) {
      t.interrupt();
    }
    for (Thread t : threads) {
      try {
        t.join(15_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
