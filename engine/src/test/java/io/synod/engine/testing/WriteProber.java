package io.synod.engine.testing;

import io.synod.engine.testing.ClusterFixture.NodeProc;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Writes to every node of a cluster directly, each on its own thread every few milliseconds, and
 * records which node acknowledged which write when. Two primaries at once shows as an old primary
 * acknowledging a write it was sent after another node had already acknowledged one.
 */
public final class WriteProber implements AutoCloseable {
  /** One acknowledged write: its number, the node, when it was sent and when it came back. */
  public record Ack(long seq, String node, long sentNanos, long ackNanos) {}

  private final List<Ack> acks = new CopyOnWriteArrayList<>();
  private final List<Thread> threads = new ArrayList<>();
  private final AtomicLong seq = new AtomicLong();
  private volatile boolean running = true;

  public WriteProber(List<NodeProc> nodes, long intervalMs) {
    for (NodeProc n : nodes) {
      Thread t = new Thread(() -> loop(n, intervalMs), "prober-" + n.name);
      t.setDaemon(true);
      threads.add(t);
    }
  }

  public WriteProber start() {
    threads.forEach(Thread::start);
    return this;
  }

  private void loop(NodeProc n, long intervalMs) {
    Connection c = null;
    PreparedStatement ps = null;
    while (running) {
      long next = System.nanoTime() + intervalMs * 1_000_000L;
      try {
        if (c == null || c.isClosed()) {
          c = n.connect();
          try (Statement st = c.createStatement()) {
            st.execute(
                "CREATE TABLE IF NOT EXISTS prober (seq bigint PRIMARY KEY, node text, at"
                    + " timestamptz DEFAULT now())");
          }
          ps = c.prepareStatement("INSERT INTO prober (seq, node) VALUES (?, ?)");
        }
        long s = seq.incrementAndGet();
        ps.setLong(1, s);
        ps.setString(2, n.name);
        long sent = System.nanoTime();
        ps.executeUpdate();
        acks.add(new Ack(s, n.name, sent, System.nanoTime()));
      } catch (SQLException e) {
        // read-only (a replica), down, or fenced: the next attempt reconnects
        try {
          if (c != null) {
            c.close();
          }
        } catch (SQLException ignored) {
          // already broken
        }
        c = null;
      }
      long left = (next - System.nanoTime()) / 1_000_000L;
      if (left > 0) {
        try {
          Thread.sleep(left);
        } catch (InterruptedException e) {
          return;
        }
      }
    }
  }

  public List<Ack> acks() {
    return List.copyOf(acks);
  }

  /**
   * Writes that {@code old} acknowledged although they were sent after {@code next} had already
   * acknowledged one: proof that both accepted writes at once.
   */
  public List<Ack> overlap(String old, String next) {
    long firstNext =
        acks.stream()
            .filter(a -> a.node().equals(next))
            .mapToLong(Ack::ackNanos)
            .min()
            .orElse(Long.MAX_VALUE);
    return acks.stream().filter(a -> a.node().equals(old) && a.sentNanos() > firstNext).toList();
  }

  /** The last write {@code node} acknowledged, or null. */
  public Ack last(String node) {
    Ack last = null;
    for (Ack a : acks) {
      if (a.node().equals(node) && (last == null || a.ackNanos() > last.ackNanos())) {
        last = a;
      }
    }
    return last;
  }

  @Override
  public void close() {
    running = false;
    for (Thread t : threads) {
      t.interrupt();
      try {
        t.join(5000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
