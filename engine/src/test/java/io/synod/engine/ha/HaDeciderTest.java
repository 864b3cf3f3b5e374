package io.synod.engine.ha;

import static org.junit.jupiter.api.Assertions.*;

import io.synod.config.DynamicConfig;
import io.synod.store.cluster.Cluster;
import io.synod.store.cluster.FailoverRequest;
import io.synod.store.cluster.Leader;
import io.synod.store.cluster.Member;
import java.time.OffsetDateTime;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The HA decision as a table of cases: no PostgreSQL, no store, no clock. */
class HaDeciderTest {
  static final OffsetDateTime NOW = OffsetDateTime.parse("2026-11-26T12:00:00Z");
  static final long MAX_LAG = 1_048_576;

  // --- builders ------------------------------------------------------------------------------

  static LocalPg primary(long wal) {
    return new LocalPg(false, true, false, 2, wal, "7000", null, null, true, false);
  }

  /** A standby streaming from {@code following}. */
  static LocalPg replica(long wal, String following) {
    return new LocalPg(false, true, true, 2, wal, "7000", null, following, true, true);
  }

  /** A standby whose WAL receiver does not stream, on {@code timeline}. */
  static LocalPg notStreaming(long timeline, long wal, String following) {
    return new LocalPg(false, true, true, timeline, wal, "7000", null, following, true, false);
  }

  static LocalPg stopped(boolean wasPrimary) {
    return new LocalPg(
        false,
        false,
        false,
        2,
        0,
        "7000",
        wasPrimary ? "in production" : "shut down in recovery",
        null,
        false,
        false);
  }

  static Member member(String name, String state, Map<String, Object> tags) {
    Map<String, Object> d = new HashMap<>();
    d.put("state", state);
    d.put("role", "replica");
    d.put("tags", tags);
    d.put("xlog_location", 1000);
    return new Member(name, d, 1);
  }

  static final class C {
    String init = "7000";
    String leader;
    Map<String, Member> members = new LinkedHashMap<>();
    long optime;
    boolean paused;
    FailoverRequest failover;
    io.synod.store.cluster.SyncState sync;
    List<List<Object>> history = List.of();

    C leader(String l) {
      leader = l;
      return this;
    }

    C members(String... names) {
      for (String n : names) {
        members.put(n, member(n, "running", Map.of()));
      }
      return this;
    }

    Cluster build() {
      Map<String, Object> cfg = paused ? Map.of("pause", true) : Map.of();
      return new Cluster(
          init,
          cfg,
          1,
          leader == null ? null : new Leader(leader, 5, 2000),
          members,
          optime,
          Map.of(),
          history,
          sync,
          failover,
          Map.of(),
          10);
    }
  }

  static final HaSettings SETTINGS = settings(DynamicConfig.defaults());

  static HaSettings settings(DynamicConfig d) {
    return new HaSettings(
        d.ttl(), d.loopWait(), d.retryTimeout(), MAX_LAG, true, true, d.primaryStartTimeout(), d);
  }

  /** The input of one decision; the loop-tracked durations default to 0 (see {@link I}). */
  static HaInput in(
      String me, Cluster c, LocalPg pg, boolean leaseValid, Map<String, PeerStatus> peers) {
    return new I(me, c, pg).lease(leaseValid).peers(peers).build();
  }

  /** A builder for the inputs the short form does not cover. */
  static final class I {
    final String me;
    final Cluster c;
    final LocalPg pg;
    boolean noFailover;
    boolean leaseValid;
    boolean lastKnownPaused;
    Map<String, PeerStatus> peers;
    HaSettings settings = SETTINGS;
    boolean rewindFailed;
    long leaderPgDownMs;
    long notStreamingMs;
    long unlockedMs;
    boolean witness;
    String replicateFrom;
    boolean noStream;
    boolean cloneWithoutLeader;
    boolean removeOnDiverged;

    I(String me, Cluster c, LocalPg pg) {
      this.me = me;
      this.c = c;
      this.pg = pg;
    }

    I lease(boolean v) {
      leaseValid = v;
      return this;
    }

    I peers(Map<String, PeerStatus> p) {
      peers = p;
      return this;
    }

    HaInput build() {
      return new HaInput(
          me,
          noFailover,
          1,
          c,
          c == null ? "no quorum" : null,
          lastKnownPaused,
          pg,
          leaseValid,
          leaseValid ? 1500 : 0,
          peers,
          settings,
          NOW,
          rewindFailed,
          leaderPgDownMs,
          notStreamingMs,
          unlockedMs,
          witness,
          replicateFrom,
          noStream,
          cloneWithoutLeader,
          removeOnDiverged);
    }
  }

  static PeerStatus peer(String name, long wal) {
    return new PeerStatus(name, true, true, false, wal, false, 1);
  }

  static void expect(Action a, Decision d) {
    assertEquals(a, d.action(), () -> "reason: " + d.reason());
    assertFalse(d.reason().isBlank());
  }

  // --- cases --------------------------------------------------------------------------------

  @Test
  void leaderWithLeaseRenewsAndSaysSo() {
    Decision d =
        HaDecider.decide(
            in(
                "node1",
                new C().leader("node1").members("node1", "node2").build(),
                primary(100),
                true,
                null));
    expect(Action.RENEW, d);
    assertEquals("no action: I am node1, the leader with the lease", d.reason());
  }

  @Test
  void anEmptyMemberWithoutALeaderWaitsUnlessAMethodNeedsNone() {
    Cluster c = new C().members("node1", "node2").build();
    I waiting = new I("node2", c, LocalPg.empty());
    Decision d = HaDecider.decide(waiting.build());
    expect(Action.NONE, d);
    assertEquals("waiting for a leader to clone from: my data directory is empty", d.reason());
    I restoring = new I("node2", c, LocalPg.empty());
    restoring.cloneWithoutLeader = true;
    d = HaDecider.decide(restoring.build());
    expect(Action.CLONE, d);
    assertNull(d.target(), "no source: only no_leader methods run");
    C paused = new C().members("node1", "node2");
    paused.paused = true;
    I inPause = new I("node2", paused.build(), LocalPg.empty());
    inPause.cloneWithoutLeader = true;
    expect(Action.NONE, HaDecider.decide(inPause.build()));
  }

  @Test
  void healthyReplicaDoesNothing() {
    Decision d =
        HaDecider.decide(
            in("node2", new C().leader("node1").build(), replica(100, "node1"), false, null));
    expect(Action.NONE, d);
    assertEquals("no action: I am node2, a healthy replica streaming from node1", d.reason());
  }

  @Test
  void replicaFollowsANewLeader() {
    Decision d =
        HaDecider.decide(
            in("node2", new C().leader("node3").build(), replica(100, "node1"), false, null));
    expect(Action.FOLLOW, d);
    assertEquals("node3", d.target());
  }

  @Test
  void primaryWhoseLockBelongsToAnotherDemotes() {
    expect(
        Action.DEMOTE,
        HaDecider.decide(in("node1", new C().leader("node2").build(), primary(100), false, null)));
  }

  @Test
  void storeUnreachablePrimaryKeepsRunningWhileLeaseLastsThenDemotes() {
    expect(Action.NONE, HaDecider.decide(in("node1", null, primary(100), true, null)));
    expect(Action.DEMOTE, HaDecider.decide(in("node1", null, primary(100), false, null)));
    expect(Action.NONE, HaDecider.decide(in("node2", null, replica(100, "node1"), false, null)));
  }

  @Test
  void bootstrapOnlyWithoutInitializeAndEmptyDir() {
    C c = new C();
    c.init = null;
    expect(Action.NONE, HaDecider.decide(in("node1", c.build(), LocalPg.empty(), false, null)));
    c.members("node1"); // registered, but members started with it may not be yet
    I fresh = new I("node1", c.build(), LocalPg.empty());
    fresh.unlockedMs = 500;
    expect(Action.NONE, HaDecider.decide(fresh.build()));
    fresh.unlockedMs = SETTINGS.ttl().toMillis(); // a ttl later: it races
    expect(Action.BOOTSTRAP, HaDecider.decide(fresh.build()));
    expect(
        Action.CLAIM_EXISTING,
        HaDecider.decide(in("node1", c.build(), stopped(true), false, null)));
    C boot = new C();
    boot.init = "";
    expect(Action.NONE, HaDecider.decide(in("node2", boot.build(), LocalPg.empty(), false, null)));
    C racing = new C().leader("node1");
    racing.init = null;
    Decision wait = HaDecider.decide(in("node2", racing.build(), LocalPg.empty(), false, null));
    expect(Action.NONE, wait);
    assertEquals("node1", wait.target(), "the lock names who is bootstrapping");
    expect(
        Action.BOOTSTRAP,
        HaDecider.decide(in("node1", racing.build(), stopped(true), false, null)));
  }

  @Test
  void emptyDirClonesFromARunningLeaderOnly() {
    Decision d =
        HaDecider.decide(
            in(
                "node2",
                new C().leader("node1").members("node1").build(),
                LocalPg.empty(),
                false,
                null));
    expect(Action.CLONE, d);
    assertEquals("node1", d.target());
    C notRunning = new C().leader("node1");
    notRunning.members.put("node1", member("node1", "starting", Map.of()));
    expect(
        Action.NONE,
        HaDecider.decide(in("node2", notRunning.build(), LocalPg.empty(), false, null)));
    expect(
        Action.NONE, HaDecider.decide(in("node2", new C().build(), LocalPg.empty(), false, null)));
  }

  @Test
  void foreignDataIsRefused() {
    LocalPg other = new LocalPg(false, true, true, 1, 5, "9999", null, "node1", true, true);
    Decision d = HaDecider.decide(in("node2", new C().leader("node1").build(), other, false, null));
    expect(Action.NONE, d);
    assertTrue(d.reason().contains("9999"));
  }

  @Test
  void crashedPostmasterOnTheLeaderIsRestartedInPlace() {
    expect(
        Action.RESTART_PRIMARY,
        HaDecider.decide(in("node1", new C().leader("node1").build(), stopped(true), true, null)));
  }

  @Test
  void formerPrimaryRewindsBeforeFollowing() {
    Decision d =
        HaDecider.decide(in("node1", new C().leader("node2").build(), stopped(true), false, null));
    expect(Action.REWIND, d);
    assertEquals("node2", d.target());
    expect(
        Action.START_REPLICA,
        HaDecider.decide(
            in("node3", new C().leader("node2").build(), stopped(false), false, null)));
  }

  @Test
  void aStartingPostmasterIsWaitedForAndTheLeaderKeepsItsLease() {
    LocalPg starting = new LocalPg(false, true, true, 2, 0, "7000", null, null, false, false);
    expect(
        Action.RENEW,
        HaDecider.decide(in("node1", new C().leader("node1").build(), starting, true, null)));
    expect(
        Action.NONE,
        HaDecider.decide(in("node2", new C().leader("node1").build(), starting, false, null)));
  }

  @Test
  void lockHolderRunningAStandbyPromotes() {
    expect(
        Action.PROMOTE,
        HaDecider.decide(
            in("node2", new C().leader("node2").build(), replica(100, "node1"), true, null)));
  }

  @Test
  void healthiestReplicaTakesTheFreeLock() {
    C c = new C().members("node2", "node3");
    c.optime = 1000;
    Map<String, PeerStatus> peers =
        Map.of("node3", peer("node3", 900), "node1", PeerStatus.unreachable("node1"));
    expect(
        Action.TAKE_LEASE_AND_PROMOTE,
        HaDecider.decide(in("node2", c.build(), replica(1000, "node1"), false, peers)));
  }

  @Test
  void aReplicaBehindAnotherLeavesTheRaceToIt() {
    Map<String, PeerStatus> peers = Map.of("node3", peer("node3", 2000));
    Decision d =
        HaDecider.decide(in("node2", new C().build(), replica(1000, "node1"), false, peers));
    expect(Action.NONE, d);
    assertEquals("node3", d.target());
  }

  @Test
  void equalWalGoesToHigherFailoverPriority() {
    Map<String, PeerStatus> peers =
        Map.of("node3", new PeerStatus("node3", true, true, false, 1000, false, 5));
    expect(
        Action.NONE,
        HaDecider.decide(in("node2", new C().build(), replica(1000, "node1"), false, peers)));
  }

  @Test
  void laggingReplicaIsNotPromoted() {
    C c = new C();
    c.optime = 10 * MAX_LAG;
    Decision d = HaDecider.decide(in("node2", c.build(), replica(1000, "node1"), false, Map.of()));
    expect(Action.NONE, d);
    assertTrue(d.reason().contains("maximum_lag_on_failover"), d.reason());
  }

  @Test
  void nofailoverIsRespected() {
    I i = new I("node2", new C().build(), replica(1000, "node1")).peers(Map.of());
    i.noFailover = true;
    Decision d = HaDecider.decide(i.build());
    expect(Action.NONE, d);
    assertTrue(d.reason().contains("nofailover"));
  }

  @Test
  void anEmptyNodeLetsAMemberWithDataClaimTheCluster() {
    C c = new C();
    c.init = null;
    Member withData = member("node1", "stopped", Map.of());
    withData.data().put("sysid", "7001");
    c.members.put("node1", withData);
    c.members("node2");
    Decision d = HaDecider.decide(in("node2", c.build(), LocalPg.empty(), false, null));
    expect(Action.NONE, d);
    assertTrue(d.reason().contains("node1 has a data directory"), d.reason());
    // the member with data claims it
    expect(
        Action.CLAIM_EXISTING,
        HaDecider.decide(in("node1", c.build(), stopped(true), false, null)));
    // a nofailover member with data never claims, so nobody waits for it
    Member nofailover = member("node1", "stopped", Map.of("nofailover", true));
    nofailover.data().put("sysid", "7001");
    c.members.put("node1", nofailover);
    I later = new I("node2", c.build(), LocalPg.empty());
    later.unlockedMs = SETTINGS.ttl().toMillis();
    expect(Action.BOOTSTRAP, HaDecider.decide(later.build()));
  }

  @Test
  void aNofailoverNodeDoesNotBootstrap() {
    C c = new C();
    c.init = null;
    I i = new I("node2", c.build(), LocalPg.empty());
    i.noFailover = true;
    expect(Action.NONE, HaDecider.decide(i.build()));
  }

  @Test
  void noRaceWithoutAskingThePeersFirst() {
    expect(
        Action.NONE,
        HaDecider.decide(in("node2", new C().build(), replica(1000, "node1"), false, null)));
  }

  @Test
  void aPeerStillRunningAsPrimaryIsNotRaced() {
    Map<String, PeerStatus> peers =
        Map.of("node1", new PeerStatus("node1", true, true, true, 1000, false, 1));
    expect(
        Action.NONE,
        HaDecider.decide(in("node2", new C().build(), replica(1000, "node1"), false, peers)));
  }

  @Test
  void pauseStopsAutomaticFailoverButTheLeaderKeepsItsLock() {
    C c = new C();
    c.paused = true;
    expect(
        Action.NONE,
        HaDecider.decide(in("node2", c.build(), replica(1000, "node1"), false, Map.of())));
    C led = new C().leader("node1");
    led.paused = true;
    expect(Action.RENEW, HaDecider.decide(in("node1", led.build(), primary(1000), true, null)));
    expect(Action.NONE, HaDecider.decide(in("node1", c.build(), stopped(true), false, null)));
  }

  @Test
  void inPauseOnlyASwitchoverToANamedCandidateHappens() {
    C c = new C().leader("node1").members("node1", "node2");
    c.paused = true;
    c.failover = new FailoverRequest("node1", "node2", null, 7);
    expect(Action.STEP_DOWN, HaDecider.decide(in("node1", c.build(), primary(100), true, null)));
    C free = new C().members("node2");
    free.paused = true;
    free.failover = new FailoverRequest("node1", "node2", null, 7);
    expect(
        Action.TAKE_LEASE_AND_PROMOTE,
        HaDecider.decide(in("node2", free.build(), replica(10, "node1"), false, Map.of())));
    C any = new C().leader("node1").members("node1", "node2");
    any.paused = true;
    any.failover = new FailoverRequest("node1", null, null, 7);
    expect(Action.RENEW, HaDecider.decide(in("node1", any.build(), primary(100), true, null)));
  }

  @Test
  void switchoverToAHealthyCandidateStepsDown() {
    C c = new C().leader("node1").members("node1", "node2");
    c.failover = new FailoverRequest("node1", "node2", null, 7);
    Decision d = HaDecider.decide(in("node1", c.build(), primary(100), true, null));
    expect(Action.STEP_DOWN, d);
    assertEquals("node2", d.target());
  }

  @Test
  void switchoverToAnUnhealthyCandidateIsDropped() {
    C c = new C().leader("node1").members("node1");
    c.members.put("node2", member("node2", "running", Map.of("nofailover", true)));
    c.failover = new FailoverRequest("node1", "node2", null, 7);
    expect(
        Action.REJECT_FAILOVER, HaDecider.decide(in("node1", c.build(), primary(100), true, null)));
  }

  @Test
  void scheduledSwitchoverWaitsForItsTime() {
    C c = new C().leader("node1").members("node1", "node2");
    c.failover = new FailoverRequest("node1", "node2", NOW.plusMinutes(5), 7);
    expect(Action.RENEW, HaDecider.decide(in("node1", c.build(), primary(100), true, null)));
  }

  @Test
  void theNamedCandidateTakesTheLockAndOthersWait() {
    C c = new C().members("node2", "node3");
    c.failover = new FailoverRequest("node1", "node3", null, 7);
    expect(
        Action.TAKE_LEASE_AND_PROMOTE,
        HaDecider.decide(in("node3", c.build(), replica(10, "node1"), false, Map.of())));
    // node2 is further ahead but the request names node3
    expect(
        Action.NONE,
        HaDecider.decide(in("node2", c.build(), replica(99, "node1"), false, Map.of())));
  }

  @Test
  void stalePrimaryWithoutLockDemotesWhenTheClusterMovedOn() {
    C c = new C();
    c.history =
        List.of(List.of(1, 100, "promote", "t", "node1"), List.of(2, 200, "promote", "t", "node2"));
    LocalPg oldTl = new LocalPg(false, true, false, 2, 500, "7000", null, null, true, false);
    expect(Action.DEMOTE, HaDecider.decide(in("node1", c.build(), oldTl, false, null)));
    LocalPg current = new LocalPg(false, true, false, 3, 500, "7000", null, null, true, false);
    expect(Action.TAKE_LEASE, HaDecider.decide(in("node1", c.build(), current, false, null)));
  }

  // --- primary_start_timeout -------------------------------------------------------------------

  static HaSettings withPrimaryStartTimeout(long seconds) {
    DynamicConfig d = DynamicConfig.fromMap(Map.of("primary_start_timeout", seconds), "test");
    return settings(d);
  }

  @Test
  void aLeaderWhosePostgresStaysDownPastPrimaryStartTimeoutReleasesTheLock() {
    Cluster c = new C().leader("node1").members("node1", "node2").build();
    I i = new I("node1", c, stopped(true)).lease(true);
    i.settings = withPrimaryStartTimeout(30);
    i.leaderPgDownMs = 29_000;
    expect(Action.RESTART_PRIMARY, HaDecider.decide(i.build()));
    i.leaderPgDownMs = 30_000;
    Decision d = HaDecider.decide(i.build());
    expect(Action.RELEASE_LEASE, d);
    assertTrue(d.reason().contains("primary_start_timeout"), d.reason());
    // 0 = fail over at once
    i.settings = withPrimaryStartTimeout(0);
    i.leaderPgDownMs = 1;
    expect(Action.RELEASE_LEASE, HaDecider.decide(i.build()));
  }

  @Test
  void withNobodyToTakeOverTheLeaderKeepsRestartingItsPostgres() {
    C c = new C().leader("node1").members("node1");
    c.members.put("node2", member("node2", "running", Map.of("nofailover", true)));
    I i = new I("node1", c.build(), stopped(true)).lease(true);
    i.settings = withPrimaryStartTimeout(0);
    i.leaderPgDownMs = 60_000;
    expect(Action.RESTART_PRIMARY, HaDecider.decide(i.build()));
  }

  @Test
  void aLeaderWhosePostgresNeverAcceptsConnectionsReleasesTheLockToo() {
    LocalPg starting = new LocalPg(false, true, false, 2, 0, "7000", null, null, false, false);
    I i = new I("node1", new C().leader("node1").members("node1", "node2").build(), starting);
    i.lease(true).settings = withPrimaryStartTimeout(10);
    i.leaderPgDownMs = 5_000;
    expect(Action.RENEW, HaDecider.decide(i.build()));
    i.leaderPgDownMs = 10_000;
    expect(Action.RELEASE_LEASE, HaDecider.decide(i.build()));
  }

  // --- pause ----------------------------------------------------------------------------------

  @Test
  void aStoreOutageDoesNotDemoteAPausedPrimary() {
    I i = new I("node1", null, primary(100));
    i.lastKnownPaused = true;
    expect(Action.NONE, HaDecider.decide(i.build()));
    i.lastKnownPaused = false;
    expect(Action.DEMOTE, HaDecider.decide(i.build()));
  }

  @Test
  void inPauseAPrimaryWithoutTheLockIsNotDemoted() {
    C c = new C().leader("node2");
    c.paused = true;
    expect(Action.NONE, HaDecider.decide(in("node1", c.build(), primary(100), false, null)));
  }

  @Test
  void inPauseACrashedPrimaryIsNotRestarted() {
    C c = new C().leader("node1").members("node1", "node2");
    c.paused = true;
    expect(Action.NONE, HaDecider.decide(in("node1", c.build(), stopped(true), true, null)));
  }

  // --- a standby that cannot follow -----------------------------------------------------------

  static C forkedAt(long lsn) {
    C c = new C().leader("node1").members("node1", "node2");
    c.history = List.of(List.of(1, lsn, "no recovery target specified", "t", "node1"));
    return c;
  }

  @Test
  void aStandbyWithWalPastTheForkPointIsRewoundOnceItHasNotStreamedForAWhile() {
    I i = new I("node2", forkedAt(1000).build(), notStreaming(1, 1500, "node1"));
    i.notStreamingMs = 100;
    expect(Action.NONE, HaDecider.decide(i.build()));
    i.notStreamingMs = 5_000;
    Decision d = HaDecider.decide(i.build());
    expect(Action.REWIND, d);
    assertEquals("node1", d.target());
    assertTrue(d.reason().contains("timeline 1"), d.reason());
  }

  @Test
  void aStandbyBehindTheForkPointJustWaitsForWal() {
    I i = new I("node2", forkedAt(1000).build(), notStreaming(1, 900, "node1"));
    i.notStreamingMs = 60_000;
    Decision d = HaDecider.decide(i.build());
    expect(Action.NONE, d);
    assertTrue(d.reason().contains("not streaming"), d.reason());
  }

  @Test
  void aDivergedStandbyWithoutRewindSaysWhatToDo() {
    I i = new I("node2", forkedAt(1000).build(), notStreaming(1, 1500, "node1"));
    i.notStreamingMs = 60_000;
    i.rewindFailed = true;
    Decision d = HaDecider.decide(i.build());
    expect(Action.NONE, d);
    assertTrue(d.reason().contains("reinitialize"), d.reason());
  }

  @Test
  void aDivergedStandbyThatCannotBeRewoundIsCopiedAgainWhenConfigured() {
    I i = new I("node2", forkedAt(1000).build(), notStreaming(1, 1500, "node1"));
    i.notStreamingMs = 60_000;
    i.rewindFailed = true;
    i.removeOnDiverged = true;
    Decision d = HaDecider.decide(i.build());
    expect(Action.REMOVE_DATA, d);
    assertTrue(d.reason().contains("remove_data_directory_on_diverged_timelines"), d.reason());
    // use_pg_rewind off: the same
    I off = new I("node2", forkedAt(1000).build(), notStreaming(1, 1500, "node1"));
    off.notStreamingMs = 60_000;
    off.removeOnDiverged = true;
    off.settings =
        new HaSettings(
            SETTINGS.ttl(),
            SETTINGS.loopWait(),
            SETTINGS.retryTimeout(),
            MAX_LAG,
            false,
            true,
            SETTINGS.primaryStartTimeout(),
            SETTINGS.dynamic());
    d = HaDecider.decide(off.build());
    expect(Action.REMOVE_DATA, d);
    assertTrue(d.reason().contains("use_pg_rewind is off"), d.reason());
    // a stopped former primary whose rewind failed
    I stoppedOne = new I("node2", forkedAt(1000).build(), stopped(true));
    stoppedOne.rewindFailed = true;
    stoppedOne.removeOnDiverged = true;
    expect(Action.REMOVE_DATA, HaDecider.decide(stoppedOne.build()));
  }

  @Test
  void withCheckTimelineAReplicaBehindTheClustersTimelineDoesNotRace() {
    C c = new C().members("node1", "node2");
    c.history = List.of(List.of(1, 1000L, "no recovery target specified", "t", "node1"));
    Map<String, PeerStatus> peers = Map.of();
    I i = new I("node2", c.build(), notStreaming(1, 900, null)).peers(peers);
    i.settings = settings(DynamicConfig.fromMap(Map.of("check_timeline", true), "test"));
    Decision d = HaDecider.decide(i.build());
    expect(Action.NONE, d);
    assertTrue(d.reason().endsWith("not racing (check_timeline)"), d.reason());
    i.settings = SETTINGS; // off (Patroni's default): the same replica may race
    expect(Action.TAKE_LEASE_AND_PROMOTE, HaDecider.decide(i.build()));
  }

  @Test
  void aHealthyReplicaMustStreamNotMerelyRun() {
    Decision d =
        HaDecider.decide(
            in(
                "node2",
                new C().leader("node1").build(),
                notStreaming(2, 100, "node1"),
                false,
                null));
    expect(Action.NONE, d);
    assertFalse(d.reason().contains("healthy"), d.reason());
  }

  // --- switchover -----------------------------------------------------------------------------

  @Test
  void theOldPrimaryDoesNotRaceForTheLockItReleasedForASwitchover() {
    C c = new C().members("node1", "node2", "node3");
    c.failover = new FailoverRequest("node1", null, null, 7);
    Map<String, PeerStatus> peers = Map.of("node2", peer("node2", 900));
    Decision d = HaDecider.decide(in("node1", c.build(), replica(1000, null), false, peers));
    expect(Action.NONE, d);
    assertTrue(d.reason().contains("stepped down"), d.reason());
  }

  @Test
  void withoutACandidateTheHealthiestOtherMemberWinsAndTheOldPrimaryIsNotCompared() {
    C c = new C().members("node1", "node2", "node3");
    c.failover = new FailoverRequest("node1", null, null, 7);
    c.optime = 1000;
    // node1 (stepped down) has the most WAL; it must not keep node2 from taking over
    Map<String, PeerStatus> peers =
        Map.of("node1", peer("node1", 1200), "node3", peer("node3", 1001));
    expect(
        Action.TAKE_LEASE_AND_PROMOTE,
        HaDecider.decide(in("node2", c.build(), replica(1001, "node1"), false, peers)));
  }

  @Test
  void aCandidateWaitsUntilItHasTheOldPrimarysShutdownCheckpoint() {
    C c = new C().members("node1", "node2");
    c.failover = new FailoverRequest("node1", "node2", null, 7);
    c.optime = 5000; // the shutdown checkpoint the old primary published
    Decision d = HaDecider.decide(in("node2", c.build(), replica(4000, "node1"), false, Map.of()));
    expect(Action.NONE, d);
    assertTrue(d.reason().contains("shutdown checkpoint"), d.reason());
    expect(
        Action.TAKE_LEASE_AND_PROMOTE,
        HaDecider.decide(in("node2", c.build(), replica(5100, "node1"), false, Map.of())));
  }

  @Test
  void aSwitchoverThatDidNotCompleteInTimeLetsEveryoneRaceAgain() {
    C c = new C().members("node1", "node2");
    c.failover = new FailoverRequest("node1", "node2", null, 7);
    I i = new I("node1", c.build(), replica(1000, null)).peers(Map.of());
    i.unlockedMs = 60_000;
    expect(Action.TAKE_LEASE_AND_PROMOTE, HaDecider.decide(i.build()));
  }

  @Test
  void aSwitchoverToALaggingCandidateIsRefusedWithItsLag() {
    C c = new C().leader("node1").members("node1");
    c.members.put("node2", member("node2", "running", Map.of()));
    c.failover = new FailoverRequest("node1", "node2", null, 7);
    Decision d = HaDecider.decide(in("node1", c.build(), primary(10 * MAX_LAG), true, null));
    expect(Action.REJECT_FAILOVER, d);
    assertTrue(d.reason().contains("lags by"), d.reason());
  }

  // --- synchronous mode -----------------------------------------------------------------------

  static HaSettings syncMode(String mode) {
    return settings(DynamicConfig.fromMap(Map.of("synchronous_mode", mode), "test"));
  }

  static C syncCluster(int quorum, String... voters) {
    C c = new C().members("node1", "node2", "node3");
    c.sync = new io.synod.store.cluster.SyncState("node1", List.of(voters), quorum, 5);
    return c;
  }

  @Test
  void inSynchronousModeOnlyAVoterRacesAndTheLagLimitDoesNotApplyToIt() {
    C c = syncCluster(1, "node2");
    c.optime = 100 * MAX_LAG; // far behind the last optime: no matter, it has every acked commit
    Map<String, PeerStatus> peers = Map.of("node3", peer("node3", 5000));
    I voter = new I("node2", c.build(), replica(1000, "node1")).peers(peers);
    voter.settings = syncMode("on");
    Decision d = HaDecider.decide(voter.build());
    expect(Action.TAKE_LEASE_AND_PROMOTE, d);
    I other = new I("node3", c.build(), replica(5000, "node1")).peers(Map.of());
    other.settings = syncMode("on");
    Decision o = HaDecider.decide(other.build());
    expect(Action.NONE, o);
    assertTrue(o.reason().contains("not a synchronous standby"), o.reason());
  }

  @Test
  void aSealedSyncKeyAllowsNoFailover() {
    C c = syncCluster(1);
    I i = new I("node2", c.build(), replica(1000, "node1")).peers(Map.of());
    i.settings = syncMode("on");
    Decision d = HaDecider.decide(i.build());
    expect(Action.NONE, d);
    assertTrue(d.reason().contains("no standby is known"), d.reason());
  }

  @Test
  void theSealedKeysOwnLeaderMayRetakeTheLockItLostBeforePromoting() {
    // node2 took the lock, sealed the key (leader node2, no voters) and lost the lock before
    // pg_promote (seen in the strict durability drill on a starved machine): it alone has every
    // acknowledged commit, so it may race; before this, no member could ever promote again.
    C c = new C().members("node1", "node2", "node3");
    c.sync = new io.synod.store.cluster.SyncState("node2", List.of(), 1, 5);
    for (String mode : List.of("on", "quorum")) {
      I owner =
          new I("node2", c.build(), replica(1000, null))
              .peers(Map.of("node3", peer("node3", 5000), "node1", peer("node1", 900)));
      owner.settings = syncMode(mode);
      Decision d = HaDecider.decide(owner.build());
      expect(Action.TAKE_LEASE_AND_PROMOTE, d);
      assertTrue(d.reason().contains("names me as its leader"), d.reason());
      I other = new I("node3", c.build(), replica(5000, null)).peers(Map.of());
      other.settings = syncMode(mode);
      Decision o = HaDecider.decide(other.build());
      expect(Action.NONE, o);
      assertTrue(o.reason().contains("no standby is known"), o.reason());
    }
  }

  @Test
  void aVoterDefersToTheKeysLeaderWhenItIsAhead() {
    C c = syncCluster(1, "node2");
    c.sync = new io.synod.store.cluster.SyncState("node3", List.of("node2"), 1, 5);
    I voter =
        new I("node2", c.build(), replica(1000, null)).peers(Map.of("node3", peer("node3", 1200)));
    voter.settings = syncMode("on");
    expect(Action.NONE, HaDecider.decide(voter.build()));
  }

  @Test
  void inQuorumModeACandidateMustSeeTheQuorumAndBeTheMostAdvanced() {
    C c = syncCluster(2, "node2", "node3");
    I alone = new I("node2", c.build(), replica(1000, "node1")).peers(Map.of());
    alone.settings = syncMode("quorum");
    Decision d = HaDecider.decide(alone.build());
    expect(Action.NONE, d);
    assertTrue(d.reason().contains("2 are needed"), d.reason());
    I behind =
        new I("node2", c.build(), replica(1000, "node1"))
            .peers(Map.of("node3", peer("node3", 1200)));
    behind.settings = syncMode("quorum");
    expect(Action.NONE, HaDecider.decide(behind.build()));
    I ahead =
        new I("node2", c.build(), replica(1300, "node1"))
            .peers(Map.of("node3", peer("node3", 1200)));
    ahead.settings = syncMode("quorum");
    expect(Action.TAKE_LEASE_AND_PROMOTE, HaDecider.decide(ahead.build()));
  }

  @Test
  void inSynchronousModeASwitchoverGoesOnlyToASynchronousStandby() {
    C c = syncCluster(1, "node2").leader("node1");
    c.failover = new FailoverRequest("node1", "node3", null, 7);
    I i = new I("node1", c.build(), primary(1000)).lease(true);
    i.settings = syncMode("on");
    Decision d = HaDecider.decide(i.build());
    expect(Action.REJECT_FAILOVER, d);
    assertTrue(d.reason().contains("not a synchronous standby"), d.reason());
    c.failover = new FailoverRequest("node1", "node2", null, 7);
    I ok = new I("node1", c.build(), primary(1000)).lease(true);
    ok.settings = syncMode("on");
    expect(Action.STEP_DOWN, HaDecider.decide(ok.build()));
  }

  @Test
  void theLeaderInSynchronousModeRenewsAndCarriesItsNextSyncStep() {
    C c = new C().leader("node1").members("node1", "node2");
    LocalPg pg =
        new LocalPg(
            false,
            true,
            false,
            2,
            1000,
            "7000",
            null,
            null,
            true,
            false,
            null,
            0,
            List.of(new SyncPlan.Standby("node2", "streaming", "async", 1000)));
    I i = new I("node1", c.build(), pg).lease(true);
    i.settings = syncMode("on");
    Decision d = HaDecider.decide(i.build());
    expect(Action.RENEW, d);
    assertNotNull(d.sync());
    assertEquals(SyncPlan.Step.Kind.RECORD, d.sync().kind(), "a new leader seals the key first");
  }

  // --- a witness ------------------------------------------------------------------------------

  static final String WITNESS_REASON = "no action: I am node3, a witness (Raft voter, no database)";

  /** A witness's member key, as its loop writes it. */
  static Member witnessMember(String name) {
    Map<String, Object> d = new HashMap<>();
    d.put("state", "running");
    d.put("role", "witness");
    return new Member(name, d, 1);
  }

  static Decision asWitness(Cluster c) {
    return HaDecider.decide(
        HaInput.witness("node3", c, c == null ? "no quorum" : null, SETTINGS, NOW));
  }

  /**
   * Each situation makes a database node act (bootstrap, take the free lock, clone, take the lock a
   * failover names it for); the same cluster makes a witness do nothing, and say what it is.
   */
  @Test
  void aWitnessNeverBootstrapsClonesOrTakesTheLock() {
    C fresh = new C().members("node3");
    fresh.init = null;
    I empty = new I("node3", fresh.build(), LocalPg.empty());
    empty.unlockedMs = SETTINGS.ttl().toMillis();
    expect(Action.BOOTSTRAP, HaDecider.decide(empty.build()));
    empty.witness = true;
    expect(Action.NONE, HaDecider.decide(empty.build()));
    assertEquals(WITNESS_REASON, HaDecider.decide(empty.build()).reason());
    assertEquals(WITNESS_REASON, asWitness(fresh.build()).reason());

    Cluster free = new C().members("node2", "node3").build();
    expect(
        Action.TAKE_LEASE_AND_PROMOTE,
        HaDecider.decide(in("node3", free, replica(1000, "node1"), false, Map.of())));
    expect(Action.NONE, asWitness(free));

    Cluster led = new C().leader("node1").members("node1", "node3").build();
    expect(Action.CLONE, HaDecider.decide(in("node3", led, LocalPg.empty(), false, null)));
    Decision d = asWitness(led);
    expect(Action.NONE, d);
    assertEquals(WITNESS_REASON, d.reason());
    assertEquals("node1", d.target(), "the leader it sees");

    C named = new C().members("node2", "node3");
    named.failover = new FailoverRequest("node1", "node3", null, 7);
    expect(
        Action.TAKE_LEASE_AND_PROMOTE,
        HaDecider.decide(in("node3", named.build(), replica(10, "node1"), false, Map.of())));
    Decision w = asWitness(named.build());
    expect(Action.NONE, w);
    assertTrue(w.reason().contains("a witness never leads"), w.reason());

    // a lock that names it (a stale or forged key): still nothing, no promote, no restart
    Cluster mine = new C().leader("node3").members("node3").build();
    expect(Action.NONE, asWitness(mine));
  }

  @Test
  void aWitnessThatLostTheStoreWaits() {
    Decision d = asWitness(null);
    expect(Action.NONE, d);
    assertEquals(
        "store unreachable (no quorum); I am node3, a witness (Raft voter, no database): waiting",
        d.reason());
  }

  @Test
  void aSwitchoverToAWitnessIsDroppedSayingSo() {
    C c = new C().leader("node1").members("node1", "node2");
    c.members.put("node3", witnessMember("node3"));
    c.failover = new FailoverRequest("node1", "node3", null, 7);
    Decision d = HaDecider.decide(in("node1", c.build(), primary(100), true, null));
    expect(Action.REJECT_FAILOVER, d);
    assertTrue(d.reason().contains("node3: it is a witness"), d.reason());
  }

  @Test
  void aSwitchoverWithoutCandidateDoesNotCountTheWitnessAsAHealthyReplica() {
    C c = new C().leader("node1").members("node1");
    c.members.put("node3", witnessMember("node3"));
    c.failover = new FailoverRequest("node1", null, null, 7);
    Decision d = HaDecider.decide(in("node1", c.build(), primary(100), true, null));
    expect(Action.REJECT_FAILOVER, d);
    assertTrue(d.reason().contains("no healthy replica"), d.reason());
  }

  @Test
  void aLeaderWhosePostgresStaysDownDoesNotReleaseTheLockToAWitness() {
    C c = new C().leader("node1").members("node1");
    c.members.put("node3", witnessMember("node3"));
    I i = new I("node1", c.build(), stopped(true)).lease(true);
    i.settings = withPrimaryStartTimeout(0);
    i.leaderPgDownMs = 60_000;
    expect(Action.RESTART_PRIMARY, HaDecider.decide(i.build()));
  }

  @Test
  void aFailoverKeyNamingTheWitnessDoesNotHoldTheDatabaseNodesBack() {
    C c = new C().members("node2");
    c.members.put("node3", witnessMember("node3"));
    c.failover = new FailoverRequest("node1", "node3", null, 7);
    Decision d = HaDecider.decide(in("node2", c.build(), replica(1000, "node1"), false, Map.of()));
    expect(Action.TAKE_LEASE_AND_PROMOTE, d);
  }

  @Test
  void aWitnessAnsweringTheRaceIsNoCandidateAndNeverAhead() {
    PeerStatus w =
        PeerProbe.parse("node3", "{\"state\": \"running\", \"role\": \"witness\", \"xlog\": {}}");
    assertTrue(w.reachable());
    assertTrue(w.noFailover(), "a witness answers as no candidate");
    assertFalse(w.primary());
    Decision d =
        HaDecider.decide(
            in("node2", new C().build(), replica(0, "node1"), false, Map.of("node3", w)));
    expect(Action.TAKE_LEASE_AND_PROMOTE, d);
  }

  @Test
  void aWitnessMemberKeyIsNeverRunningNorACandidate() {
    Member w = witnessMember("node3");
    assertTrue(w.isWitness());
    assertFalse(w.isRunning(), "running means PostgreSQL runs; a witness has none");
    assertTrue(w.noFailover());
    Member tagged = member("node4", "running", Map.of("witness", true));
    assertTrue(tagged.isWitness());
    assertFalse(member("node2", "running", Map.of()).isWitness());
    C c = new C().leader("node1").members("node1");
    c.members.put("node3", w);
    assertNull(LeaderRace.anyFailoverCandidate(c.build(), "node1"));
  }
}
