package io.synod.engine.ha;

import static io.synod.engine.ha.HaDeciderTest.notStreaming;
import static io.synod.engine.ha.HaDeciderTest.primary;
import static io.synod.engine.ha.HaDeciderTest.replica;
import static io.synod.engine.ha.HaDeciderTest.stopped;
import static org.junit.jupiter.api.Assertions.*;

import io.synod.config.DynamicConfig;
import io.synod.store.cluster.Cluster;
import io.synod.store.cluster.FailoverRequest;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A standby cluster's decisions: its leader replicates from the remote primary, never promotes. */
class StandbyClusterDecisionTest {
  static final String REMOTE = "the remote primary 10.0.0.9:5432";
  static final HaSettings STANDBY =
      HaDeciderTest.settings(
          DynamicConfig.fromMap(
              Map.of("standby_cluster", Map.of("host", "10.0.0.9", "port", 5432)), "test"));

  static Decision decide(String me, Cluster c, LocalPg pg, boolean lease) {
    HaDeciderTest.I i = new HaDeciderTest.I(me, c, pg).lease(lease);
    i.settings = STANDBY;
    return HaDecider.decide(i.build());
  }

  @Test
  void anEmptyClusterIsBootstrappedByCloningTheRemoteNotByInitdb() {
    HaDeciderTest.C c = new HaDeciderTest.C().members("node1");
    c.init = null;
    HaDeciderTest.I i = new HaDeciderTest.I("node1", c.build(), LocalPg.empty());
    i.settings = STANDBY;
    i.unlockedMs = 60_000;
    Decision d = HaDecider.decide(i.build());
    assertEquals(Action.BOOTSTRAP_STANDBY, d.action(), d.reason());
    assertEquals("bootstrapping a standby cluster: cloning " + REMOTE, d.reason());
  }

  @Test
  void theLockHolderReplicatesFromTheRemoteAndSaysSoEveryLoop() {
    Cluster c = new HaDeciderTest.C().leader("node1").members("node1", "node2").build();
    Decision repoint = decide("node1", c, replica(100, null), true);
    assertEquals(Action.STANDBY_LEADER, repoint.action());
    assertTrue(repoint.reason().contains("replicating from " + REMOTE), repoint.reason());
    Decision steady = decide("node1", c, replica(100, REMOTE), true);
    assertEquals(Action.STANDBY_LEADER, steady.action());
    assertEquals(
        "no action: I am node1, the standby leader with the lease, replicating from " + REMOTE,
        steady.reason());
    Decision lagging = decide("node1", c, notStreaming(2, 100, REMOTE), true);
    assertTrue(lagging.reason().contains("not streaming"), lagging.reason());
  }

  @Test
  void aStoppedStandbyLeaderStartsAsOneNotAsAPrimary() {
    Cluster c = new HaDeciderTest.C().leader("node1").members("node1").build();
    Decision d = decide("node1", c, stopped(false), true);
    assertEquals(Action.STANDBY_LEADER, d.action(), d.reason());
  }

  @Test
  void aRaceWinnerBecomesTheStandbyLeaderWithoutPromoting() {
    Cluster c = new HaDeciderTest.C().members("node1", "node2").build();
    HaDeciderTest.I i = new HaDeciderTest.I("node2", c, replica(100, "node1"));
    i.settings = STANDBY;
    i.peers(Map.of());
    Decision d = HaDecider.decide(i.build());
    assertEquals(Action.STANDBY_LEADER, d.action(), d.reason());
    assertTrue(d.reason().endsWith("as the standby leader (standby cluster: no promotion)"));
  }

  @Test
  void membersFollowTheStandbyLeader() {
    Cluster c = new HaDeciderTest.C().leader("node1").members("node1", "node2").build();
    Decision d = decide("node2", c, replica(100, "node1"), false);
    assertEquals(Action.NONE, d.action());
    assertEquals("no action: I am node2, a healthy replica streaming from node1", d.reason());
  }

  @Test
  void aPrimaryHoldingTheLockIsDemotedIntoTheStandbyLeader() {
    Cluster c = new HaDeciderTest.C().leader("node1").members("node1").build();
    Decision d = decide("node1", c, primary(100), true);
    assertEquals(Action.STANDBY_LEADER, d.action());
    assertTrue(d.reason().startsWith("demote-cluster: "), d.reason());
  }

  @Test
  void withoutStandbyClusterTheStandbyLockHolderPromotes() {
    Cluster c = new HaDeciderTest.C().leader("node1").members("node1").build();
    Decision d =
        HaDecider.decide(new HaDeciderTest.I("node1", c, replica(100, REMOTE)).lease(true).build());
    assertEquals(Action.PROMOTE, d.action(), "promote-cluster: " + d.reason());
  }

  @Test
  void aSwitchoverRequestInAStandbyClusterIsDropped() {
    HaDeciderTest.C b = new HaDeciderTest.C().leader("node1").members("node1", "node2");
    b.failover = new FailoverRequest("node1", "node2", null, 3);
    Decision d = decide("node1", b.build(), replica(100, REMOTE), true);
    assertEquals(Action.REJECT_FAILOVER, d.action());
    assertTrue(d.reason().contains("not supported in a standby cluster"), d.reason());
  }
}
