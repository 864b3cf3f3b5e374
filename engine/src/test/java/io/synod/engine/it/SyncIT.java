package io.synod.engine.it;

import static org.junit.jupiter.api.Assertions.*;

import io.synod.engine.testing.Await;
import io.synod.engine.testing.ClusterFixture;
import io.synod.engine.testing.ClusterFixture.NodeProc;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * synchronous_mode on a real three-node cluster: PostgreSQL waits for the standby the sync key
 * names, a crash of the primary promotes only that standby, and no acknowledged write is lost.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SyncIT {
  static final Duration FORM = Duration.ofSeconds(150);
  static final Duration FAILOVER = Duration.ofSeconds(30);
  static ClusterFixture cluster;

  @org.junit.jupiter.api.extension.RegisterExtension
  static final io.synod.engine.testing.LogsOnFailure LOGS =
      new io.synod.engine.testing.LogsOnFailure(() -> cluster);

  @BeforeAll
  static void start() throws Exception {
    cluster =
        new ClusterFixture("it-sync", 3, "    synchronous_mode: true\n", List.of()).startAll();
    Await.until(
        FORM,
        () -> "1 leader + 2 streaming replicas; streaming=" + cluster.streamingReplicas(),
        () -> cluster.leader() != null && cluster.streamingReplicas().size() == 2);
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  static String one(NodeProc n, String sql) {
    try (Connection c = n.connect();
        Statement s = c.createStatement();
        ResultSet r = s.executeQuery(sql)) {
      return r.next() ? r.getString(1) : null;
    } catch (SQLException e) {
      return null;
    }
  }

  /**
   * The synchronous standby once PostgreSQL waits for it and the sync key allows it to take over
   * (its {@code GET /sync} answers 200, Patroni's check). Between the two, for a loop or so while
   * the standby confirms the WAL up to the change, the key still forbids any failover (SyncPlan).
   */
  static String syncStandby(NodeProc primary) {
    String ssn = one(primary, "SHOW synchronous_standby_names");
    String sync =
        one(primary, "SELECT application_name FROM pg_stat_replication WHERE sync_state = 'sync'");
    if (ssn == null || sync == null || !ssn.contains("\"" + sync + "\"")) {
      return null;
    }
    return cluster.node(sync).status("/sync") == 200 ? sync : null;
  }

  static NodeProc primary() {
    Await.until(FAILOVER, "a writable primary", () -> cluster.writablePrimary() != null);
    return cluster.node(cluster.writablePrimary());
  }

  @Test
  @Order(1)
  void thePrimaryWaitsForTheStandbyTheSyncKeyNames() {
    NodeProc p = primary();
    Await.until(Duration.ofSeconds(30), "a synchronous standby", () -> syncStandby(p) != null);
    String s = syncStandby(p);
    assertNotEquals(p.name, s);
    assertTrue(
        one(p, "SHOW synchronous_standby_names").startsWith("FIRST 1 ("), "Patroni's on mode");
  }

  @Test
  @Order(2)
  void aCrashedPrimaryIsReplacedByItsSynchronousStandbyWithEveryAcknowledgedWrite()
      throws Exception {
    NodeProc old = primary();
    Await.until(Duration.ofSeconds(30), "a synchronous standby", () -> syncStandby(old) != null);
    String sync = syncStandby(old);
    try (Connection c = old.connect();
        Statement s = c.createStatement()) {
      s.execute("CREATE TABLE IF NOT EXISTS acked (id bigint PRIMARY KEY)");
    }
    Set<Long> acked = java.util.Collections.synchronizedSet(new TreeSet<>());
    AtomicBoolean run = new AtomicBoolean(true);
    Thread writer =
        new Thread(
            () -> {
              long id = 0;
              try (Connection c = old.connect();
                  PreparedStatement ps = c.prepareStatement("INSERT INTO acked VALUES (?)")) {
                while (run.get()) {
                  ps.setLong(1, ++id);
                  ps.executeUpdate();
                  acked.add(id);
                }
              } catch (SQLException e) {
                // the primary died under us: what was acknowledged is in `acked`
              }
            });
    writer.start();
    Await.until(Duration.ofSeconds(20), "some writes", () -> acked.size() > 200);
    old.killNode();
    run.set(false);
    writer.join(10_000);
    NodeProc next = cluster.awaitWritableOtherThan(old.name, FAILOVER);
    assertEquals(sync, next.name, "only the synchronous standby may be promoted");
    List<Long> lost = new ArrayList<>();
    try (Connection c = next.connect();
        PreparedStatement ps = c.prepareStatement("SELECT 1 FROM acked WHERE id = ?")) {
      for (long id : new ArrayList<>(acked)) {
        ps.setLong(1, id);
        try (ResultSet r = ps.executeQuery()) {
          if (!r.next()) {
            lost.add(id);
          }
        }
      }
    }
    System.out.println(
        "MEASURED synchronous failover: " + acked.size() + " acknowledged, lost " + lost.size());
    assertEquals(List.of(), lost, "acknowledged writes lost");
    old.start();
    Await.until(
        Duration.ofSeconds(120),
        old.name + " back as a streaming replica",
        () -> cluster.streamingReplicas().contains(old.name));
  }

  @Test
  @Order(3)
  void inStrictModeACommitIsNotAcknowledgedWithoutAStandby() throws Exception {
    NodeProc p = primary();
    // Paused, the replicas' engines leave their PostgreSQL down once killed (the store keeps
    // its quorum: only the postmasters die).
    assertEquals(
        200,
        cluster.post(
            p.restPort,
            "/config",
            "{\"synchronous_mode_strict\": true, \"pause\": true}",
            "PATCH"));
    List<NodeProc> replicas = new ArrayList<>();
    for (NodeProc n : cluster.nodes()) {
      if (!n.name.equals(p.name)) {
        replicas.add(n);
      }
    }
    Thread.sleep(2000); // a loop or two to see the pause
    for (NodeProc r : replicas) {
      r.killPostmaster();
    }
    Await.until(
        Duration.ofSeconds(30),
        "synchronous_standby_names = '*' (strict, no standby)",
        () -> "*".equals(one(p, "SHOW synchronous_standby_names")));
    Properties props = new Properties();
    props.setProperty("user", "postgres");
    props.setProperty("password", "postgres");
    props.setProperty("socketTimeout", "5");
    boolean acknowledged;
    try (Connection c =
            java.sql.DriverManager.getConnection(
                "jdbc:postgresql://127.0.0.1:" + p.pgPort + "/postgres", props);
        Statement s = c.createStatement()) {
      s.execute("INSERT INTO acked VALUES (-1)");
      acknowledged = true;
    } catch (SQLException e) {
      acknowledged = false;
    }
    assertFalse(acknowledged, "strict mode acknowledged a commit that no standby has");
    assertEquals(200, cluster.post(p.restPort, "/config", "{\"pause\": null}", "PATCH"));
    Await.until(
        Duration.ofSeconds(120),
        "the write to complete once a standby is back",
        () -> "1".equals(one(p, "SELECT count(*) FROM acked WHERE id = -1")));
  }
}
