package io.synod.engine.ha;

import static io.synod.engine.ha.HaDeciderTest.member;
import static io.synod.engine.ha.HaDeciderTest.notStreaming;
import static io.synod.engine.ha.HaDeciderTest.replica;
import static io.synod.engine.ha.HaDeciderTest.stopped;
import static org.junit.jupiter.api.Assertions.*;

import io.synod.store.cluster.Cluster;
import io.synod.store.cluster.Member;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Cascading replication (tags.replicatefrom) and archive-only replicas (tags.nostream). */
class UpstreamTest {

  static Map<String, Object> from(String m) {
    return Map.of("replicatefrom", m);
  }

  static Member primaryMember(String name) {
    Map<String, Object> d = new HashMap<>(member(name, "running", Map.of()).data());
    d.put("role", "primary");
    return new Member(name, d, 1);
  }

  static Cluster cluster(Member... ms) {
    HaDeciderTest.C c = new HaDeciderTest.C().leader("node1");
    c.members.put("node1", primaryMember("node1"));
    for (Member m : ms) {
      c.members.put(m.name(), m);
    }
    return c.build();
  }

  // --- the pure rule -------------------------------------------------------------------------

  @Test
  void aRunningReplicaNamedByReplicatefromIsTheSource() {
    Cluster c = cluster(member("node2", "running", Map.of()));
    assertEquals("node2", Upstream.of(c, "node3", "node2", "node1"));
    assertEquals("node1", Upstream.of(c, "node3", null, "node1"));
    assertEquals("node1", Upstream.of(c, "node3", "node1", "node1"), "naming the leader");
    assertNull(Upstream.of(c, "node3", "node2", null), "no leader: no source");
  }

  @Test
  void theLeaderIsTheSourceWhileTheNamedMemberCannotServe() {
    assertEquals("node1", Upstream.of(cluster(), "node3", "node2", "node1"), "no key");
    assertEquals(
        "node1",
        Upstream.of(cluster(member("node2", "stopped", Map.of())), "node3", "node2", "node1"),
        "stopped");
    assertEquals(
        "node1",
        Upstream.of(
            cluster(member("node2", "running", Map.of("nostream", true))),
            "node3",
            "node2",
            "node1"),
        "an archive-only replica streams nothing on");
    assertEquals(
        "node1",
        Upstream.of(cluster(primaryMember("node2")), "node3", "node2", "node1"),
        "a primary that is not the leader (demoting)");
    assertEquals("node1", Upstream.of(cluster(), "node3", "node3", "node1"), "itself");
  }

  @Test
  void membersNamingEachOtherBothStreamFromTheLeader() {
    Cluster c =
        cluster(
            member("node2", "running", from("node3")), member("node3", "running", from("node2")));
    assertEquals("node1", Upstream.of(c, "node2", "node3", "node1"));
    assertEquals("node1", Upstream.of(c, "node3", "node2", "node1"));
  }

  @Test
  void aChainReachesTheLeaderThroughSeveralReplicas() {
    Cluster c =
        cluster(
            member("node2", "running", Map.of()),
            member("node3", "running", from("node2")),
            member("node4", "running", from("node3")));
    assertEquals("node3", Upstream.of(c, "node4", "node3", "node1"));
    assertEquals("node2", Upstream.ofMember(c, c.member("node3"), "node1"));
    assertEquals("node1", Upstream.ofMember(c, c.member("node2"), "node1"));
  }

  @Test
  void aLoopAboveMeIsBrokenByItsOwnMembersNotByMe() {
    // node3 and node4 name each other (so both stream from the leader); node5 names node3
    Cluster c =
        cluster(
            member("node3", "running", from("node4")), member("node4", "running", from("node3")));
    assertEquals("node3", Upstream.of(c, "node5", "node3", "node1"));
  }

  @Test
  void aNostreamMemberHasNoSource() {
    Cluster c = cluster(member("node3", "running", Map.of("nostream", "true")));
    assertNull(Upstream.ofMember(c, c.member("node3"), "node1"));
  }

  // --- the decisions -------------------------------------------------------------------------

  static Decision decide(Cluster c, LocalPg pg, String replicateFrom, boolean noStream) {
    HaDeciderTest.I i = new HaDeciderTest.I("node3", c, pg);
    i.replicateFrom = replicateFrom;
    i.noStream = noStream;
    return HaDecider.decide(i.build());
  }

  @Test
  void aReplicaFollowingTheLeaderRepointsAtItsReplicatefromMember() {
    Cluster c =
        cluster(member("node2", "running", Map.of()), member("node3", "running", from("node2")));
    Decision d = decide(c, replica(100, "node1"), "node2", false);
    assertEquals(Action.FOLLOW, d.action(), d.reason());
    assertEquals("node2", d.target());
    assertEquals(
        "streaming from node2, my replicatefrom, a replica of node1 (was following node1)",
        d.reason());
  }

  @Test
  void aCascadedReplicaStreamingFromItsMemberIsHealthy() {
    Cluster c = cluster(member("node2", "running", Map.of()));
    Decision d = decide(c, replica(100, "node2"), "node2", false);
    assertEquals(Action.NONE, d.action());
    assertEquals("node1", d.target());
    assertEquals(
        "no action: I am node3, a healthy replica streaming from node2 (replicatefrom; node1"
            + " leads)",
        d.reason());
  }

  @Test
  void whenTheMemberStopsTheReplicaFollowsTheLeaderAndSaysWhy() {
    Cluster c = cluster(member("node2", "stopped", Map.of()));
    Decision d = decide(c, notStreaming(2, 100, "node2"), "node2", false);
    assertEquals(Action.FOLLOW, d.action());
    assertEquals("node1", d.target());
    assertEquals(
        "following the leader node1: node2, my replicatefrom, is not a running replica (was"
            + " following node2)",
        d.reason());
  }

  @Test
  void aStoppedReplicaStartsStreamingFromItsMember() {
    Cluster c = cluster(member("node2", "running", Map.of()));
    Decision d = decide(c, stopped(false), "node2", false);
    assertEquals(Action.START_REPLICA, d.action());
    assertEquals("node2", d.target());
    assertEquals(
        "starting PostgreSQL as a replica of node1, streaming from node2 (replicatefrom)",
        d.reason());
  }

  @Test
  void aNostreamReplicaNotStreamingIsHealthyAndNamesTheLeader() {
    Cluster c = cluster();
    Decision d = decide(c, notStreaming(2, 100, "node1"), null, true);
    assertEquals(Action.NONE, d.action());
    assertEquals(
        "no action: I am node3, a replica of node1 replaying WAL from the archive (nostream)",
        d.reason());
    // replicatefrom has no effect beside nostream
    Cluster c2 = cluster(member("node2", "running", Map.of()));
    assertEquals(Action.NONE, decide(c2, notStreaming(2, 100, "node1"), "node2", true).action());
    Decision start = decide(c2, stopped(false), "node2", true);
    assertEquals("node1", start.target());
    assertTrue(start.reason().endsWith("replaying WAL from the archive (nostream)"));
  }
}
