package io.synod.engine.it;

import static org.junit.jupiter.api.Assertions.*;

import io.synod.engine.testing.Await;
import io.synod.engine.testing.ClusterFixture;
import io.synod.engine.testing.ClusterFixture.NodeProc;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * A real three-node cluster (three `synod run` JVMs, PostgreSQL 15 each) taken through the failures
 * the engine exists for. Asserts behaviour; times are printed as MEASURED lines.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FailoverIT {
  static final Duration FORM = Duration.ofSeconds(150);
  static final Duration FAILOVER = Duration.ofSeconds(30);
  static ClusterFixture cluster;

  @org.junit.jupiter.api.extension.RegisterExtension
  static final io.synod.engine.testing.LogsOnFailure LOGS =
      new io.synod.engine.testing.LogsOnFailure(() -> cluster);

  @BeforeAll
  static void start() throws Exception {
    cluster = new ClusterFixture("it-failover", 3, "", List.of()).startAll();
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  static NodeProc leaderNode() {
    Await.until(FAILOVER, "a leader", () -> cluster.leader() != null);
    return cluster.node(cluster.leader());
  }

  @Test
  @Order(1)
  void threeNodesFromEmptyFormOnePrimaryAndTwoStreamingReplicasWithSlots() throws Exception {
    Await.until(
        FORM,
        () ->
            "1 leader + 2 streaming replicas; leader="
                + cluster.leader()
                + " streaming="
                + cluster.streamingReplicas(),
        () -> cluster.leader() != null && cluster.streamingReplicas().size() == 2);
    NodeProc leader = leaderNode();
    assertEquals("f", leader.one("SELECT pg_is_in_recovery()"));
    leader.exec("CREATE TABLE probe (at timestamptz)");
    leader.exec("CREATE TABLE data (id int primary key, v text)");
    Await.until(
        Duration.ofSeconds(20),
        "two active physical slots on the primary",
        () -> {
          try {
            return "2"
                .equals(
                    leader.one(
                        "SELECT count(*) FROM pg_replication_slots WHERE slot_type = 'physical' AND active"));
          } catch (SQLException e) {
            return false;
          }
        });
    for (String r : cluster.streamingReplicas()) {
      assertEquals("t", cluster.node(r).one("SELECT pg_is_in_recovery()"));
    }
    assertEquals(
        cluster.leader(), cluster.writablePrimary(), "/primary answers 200 on the leader only");
  }

  @Test
  @Order(2)
  void killingThePrimaryNodePromotesAnotherAndTheOldOneRejoinsByRewind() throws Exception {
    NodeProc old = leaderNode();
    old.exec("INSERT INTO data VALUES (1, 'before the kill')");
    NodeProc next = cluster.crashAndAwaitNewPrimary(old, FAILOVER, "crash failover");
    assertEquals("before the kill", next.one("SELECT v FROM data WHERE id = 1"));
    next.exec("INSERT INTO data VALUES (2, 'written while the old primary was dead')");
    Await.until(
        FAILOVER, "the leader key to name " + next.name, () -> next.name.equals(cluster.leader()));

    cluster.restartAndAwaitReplica(
        old, "SELECT v FROM data WHERE id = 2", "written while the old primary was dead");
    assertEquals(next.name, cluster.writablePrimary());
  }

  @Test
  @Order(3)
  void killingOnlyThePostmasterRestartsItInPlace() throws Exception {
    NodeProc leader = leaderNode();
    long pid = leader.postmasterPid().orElseThrow();
    leader.killPostmaster();
    Await.until(
        FAILOVER,
        "a new postmaster on " + leader.name,
        () ->
            leader.postmasterPid().map(p -> p != pid).orElse(false)
                && ClusterFixture.writable(leader));
    Await.until(
        FAILOVER,
        "the member key of " + leader.name + " to show it running as leader again",
        () -> leader.name.equals(cluster.leader()));
    for (NodeProc n : cluster.nodes()) {
      if (!n.name.equals(leader.name)) {
        assertEquals(
            "t",
            n.one("SELECT pg_is_in_recovery()"),
            n.name + " must still be a replica: no failover for a quick restart");
      }
    }
    assertEquals("f", leader.one("SELECT pg_is_in_recovery()"));
    System.out.println("MEASURED postmaster kill -9 on the leader: restarted in place");
  }

  @Test
  @Order(4)
  void killingOnlyTheEngineFencesItsPrimaryAndTheRestartedEngineReconciles() throws Exception {
    NodeProc old = leaderNode();
    old.killEngine();
    // The watchdog sidecar stops the orphaned primary: no writable primary without a lease.
    Await.until(
        FAILOVER,
        "the orphaned postmaster of " + old.name + " to stop",
        () -> !ClusterFixture.writable(old));
    NodeProc next = cluster.awaitWritableOtherThan(old.name, FAILOVER);
    assertNotEquals(old.name, next.name);
    old.start();
    Await.until(
        Duration.ofSeconds(90),
        old.name + " to rejoin as a streaming replica",
        () -> cluster.streamingReplicas().contains(old.name));
    assertEquals(next.name, cluster.writablePrimary(), "exactly the new leader answers /primary");
  }
}
