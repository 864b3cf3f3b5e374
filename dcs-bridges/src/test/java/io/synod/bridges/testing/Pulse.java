package io.synod.bridges.testing;

import io.synod.store.cluster.ClusterStore;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Plays the HA loops of a cluster against the store: keeps the leader key and the member keys alive
 * with their TTL, as running nodes do. Closing it is "every node died": the keys expire.
 */
public final class Pulse implements AutoCloseable {
  private final ClusterStore store;
  private final Duration ttl;
  private final Map<String, Map<String, Object>> members = new ConcurrentHashMap<>();
  private volatile String leader;
  private volatile boolean running = true;
  private final Thread thread;

  public Pulse(ClusterStore store, Duration ttl) {
    this.store = store;
    this.ttl = ttl;
    thread = new Thread(this::run, "test-pulse");
    thread.setDaemon(true);
    thread.start();
  }

  /** Patroni's member JSON for a test member. */
  public static Map<String, Object> memberJson(String name, String role, int n) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("conn_url", "postgres://127.0.0.1:" + (5432 + n) + "/postgres");
    m.put("api_url", "http://127.0.0.1:" + (8008 + n) + "/patroni");
    m.put("state", "running");
    m.put("role", role);
    m.put("version", "4.0.4");
    m.put("xlog_location", 67108960L + n);
    m.put("timeline", 1);
    return m;
  }

  public void member(String name, Map<String, Object> data) {
    members.put(name, data);
    store.touchMember(name, data, ttl);
  }

  public void removeMember(String name) {
    members.remove(name);
    store.removeMember(name);
  }

  public void leader(String name) {
    String old = leader;
    if (old != null && !old.equals(name)) {
      store.releaseLeader(old);
    }
    leader = name;
    if (name != null && !store.takeLeader(name, ttl).held()) {
      store.renewLeader(name, ttl);
    }
  }

  private void run() {
    while (running) {
      try {
        members.forEach((n, d) -> store.touchMember(n, d, ttl));
        String l = leader;
        if (l != null && !store.renewLeader(l, ttl).held()) {
          store.takeLeader(l, ttl);
        }
      } catch (RuntimeException e) {
        // store busy (leader change): try again next beat
      }
      try {
        Thread.sleep(Math.max(100, ttl.toMillis() / 4));
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  @Override
  public void close() {
    running = false;
    thread.interrupt();
    try {
      thread.join(5000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
