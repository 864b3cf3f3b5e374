package io.synod.engine.ha;

import static org.junit.jupiter.api.Assertions.*;

import io.synod.config.DynamicConfig;
import io.synod.config.WatchdogConfig;
import io.synod.engine.api.FakeStore;
import io.synod.store.ReadMode;
import io.synod.store.cluster.Cluster;
import io.synod.store.cluster.FailoverRequest;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The HA actions against a recording PostgreSQL, fence and store: the order of the steps is what
 * keeps a promotion or a step-down safe, so that is what these tests check.
 */
class HaActionsTest {
  final List<String> log = new CopyOnWriteArrayList<>();
  final FakePg pg = new FakePg(log);
  final FakeFence fence = new FakeFence(log);
  final FakeStore store = new FakeStore();
  final HaSettings settings = HaDeciderTest.settings(DynamicConfig.defaults());
  Leadership lead;
  HaActions actions;

  HaActions actions(WatchdogConfig.Mode mode) {
    lead = new Leadership("node1", store, fence, new WatchdogConfig(mode, null), () -> settings);
    actions =
        new HaActions(
            new NodeIdentity(
                "node1", "127.0.0.1", 5432, "http://127.0.0.1:8008/patroni", Map.of(), false, 1),
            store,
            pg,
            lead,
            DynamicConfig.defaults(),
            () -> {});
    return actions;
  }

  @AfterEach
  void close() {
    if (lead != null) {
      lead.close();
    }
  }

  String run(Action a, String target) {
    Cluster c = store.load(ReadMode.LOCAL);
    actions.observe(c);
    return actions.execute(new Decision(a, target, "test"), c, settings, pg.state());
  }

  static int at(List<String> log, String entry) {
    int i = log.indexOf(entry);
    assertTrue(i >= 0, entry + " not in " + log);
    return i;
  }

  @Test
  void aPromotionArmsTheFenceBeforePostgresCanTakeWrites() {
    actions(WatchdogConfig.Mode.AUTOMATIC);
    String out = run(Action.TAKE_LEASE_AND_PROMOTE, null);
    assertTrue(out.startsWith("promoted"), out);
    assertTrue(at(log, "fence.arm") < at(log, "pg.promote"), log.toString());
    assertTrue(at(log, "pg.prePromote") < at(log, "fence.arm"), log.toString());
    assertTrue(fence.armed);
    assertEquals("node1", store.leader);
  }

  @Test
  void aBootstrapWhoseInitializeWriteTimedOutButLandedKeepsItsData() {
    actions(WatchdogConfig.Mode.AUTOMATIC);
    store.initialize = null; // a new cluster
    store.initializeTimeouts = 1; // applied, but the answer was lost
    String out = run(Action.BOOTSTRAP, null);
    assertTrue(out.startsWith("bootstrapped"), out);
    assertEquals(FakePg.SYSID, store.initialize);
    List<String> afterInitdb = log.subList(at(log, "pg.initdb"), log.size());
    assertFalse(afterInitdb.contains("pg.removeDataDirectory"), log.toString());
    assertEquals("node1", store.leader, "still the leader of the cluster it created");
  }

  @Test
  void aBootstrapThatFailsBeforeTheInitializeKeyStartsOverCleanly() {
    actions(WatchdogConfig.Mode.AUTOMATIC);
    store.initialize = null;
    pg.postBootstrapExit = 1;
    String out = run(Action.BOOTSTRAP, null);
    assertTrue(out.contains("post_bootstrap exited with 1"), out);
    List<String> afterInitdb = log.subList(at(log, "pg.initdb"), log.size());
    assertTrue(afterInitdb.contains("pg.removeDataDirectory"), log.toString());
    assertNull(store.initialize);
    assertNull(store.leader, "the lock is released so the bootstrap can be retried");
  }

  @Test
  void claimingExistingDataTakesTheLockSoABootstrapCannotRaceIt() {
    actions(WatchdogConfig.Mode.AUTOMATIC);
    store.initialize = null;
    store.leader = "node2"; // node2 won the lock and is running initdb
    store.leaderOwner = "127.0.0.1:8301";
    String out = run(Action.CLAIM_EXISTING, null);
    assertNull(store.initialize, out);
    assertEquals("node2", store.leader);
    store.leader = null;
    out = run(Action.CLAIM_EXISTING, null);
    assertEquals(FakePg.SYSID, store.initialize, out);
    assertNull(store.leader, "released: the leader race follows");
  }

  @Test
  void aPrePromoteDuringWhichTheLockWasLostDoesNotPromote() {
    actions(WatchdogConfig.Mode.AUTOMATIC);
    // Another node took the lock while pre_promote ran (our lease ran out meanwhile).
    pg.onPrePromote =
        () -> {
          store.leader = "node2";
          store.leaderOwner = "127.0.0.1:8301";
        };
    String out = run(Action.TAKE_LEASE_AND_PROMOTE, null);
    assertFalse(log.contains("pg.promote"), log.toString());
    assertFalse(log.contains("fence.arm"), log.toString());
    assertTrue(out.contains("not promoting"), out);
    assertEquals("node2", store.leader);
  }

  @Test
  void aFailedPrePromoteReleasesTheLock() {
    actions(WatchdogConfig.Mode.AUTOMATIC);
    pg.prePromoteExit = 3;
    String out = run(Action.TAKE_LEASE_AND_PROMOTE, null);
    assertFalse(log.contains("pg.promote"));
    assertNull(store.leader, out);
  }

  @Test
  void withWatchdogRequiredAFenceThatCannotStartMeansNoPromotion() {
    actions(WatchdogConfig.Mode.REQUIRED);
    fence.canStart = false;
    String out = run(Action.TAKE_LEASE_AND_PROMOTE, null);
    assertFalse(log.contains("pg.promote"), log.toString());
    assertNull(store.leader, "the lock is released for a node that can be fenced: " + out);
  }

  @Test
  void withWatchdogAutomaticAFenceThatCannotStartStillPromotes() {
    actions(WatchdogConfig.Mode.AUTOMATIC);
    fence.canStart = false;
    run(Action.TAKE_LEASE_AND_PROMOTE, null);
    assertTrue(log.contains("pg.promote"), log.toString());
  }

  @Test
  void withWatchdogOffNoFenceIsArmed() {
    actions(WatchdogConfig.Mode.OFF);
    run(Action.TAKE_LEASE_AND_PROMOTE, null);
    assertTrue(log.contains("pg.promote"));
    assertFalse(log.contains("fence.arm"));
  }

  @Test
  void aStepDownReleasesTheLockOnlyOncePostgresIsStoppedAndPublishesItsCheckpoint() {
    actions(WatchdogConfig.Mode.AUTOMATIC);
    pg.primary = true;
    assertTrue(lead.take());
    assertTrue(lead.armFence());
    store.member("node2", "replica", "running", 1000, Map.of(), 5433);
    store.failover = new FailoverRequest("node1", "node2", null, 3);
    String out = run(Action.STEP_DOWN, "node2");
    assertTrue(out.startsWith("stepped down for node2"), out);
    List<String> locks = store.lockLog;
    assertEquals("release node1", locks.get(locks.size() - 1));
    assertTrue(at(log, "pg.stop FAST") < at(log, "fence.disarm"), log.toString());
    assertNull(store.leader);
    assertEquals(io.synod.engine.postgres.Lsn.parse("0/5000028"), store.optime);
    assertTrue(log.contains("pg.configureAsReplica node2"), log.toString());
  }

  @Test
  void aStepDownWhosePostgresDoesNotStopIsAbandonedAndKeepsTheLock() {
    actions(WatchdogConfig.Mode.AUTOMATIC);
    pg.primary = true;
    pg.stopFails = true;
    assertTrue(lead.take());
    assertTrue(lead.armFence());
    store.member("node2", "replica", "running", 1000, Map.of(), 5433);
    store.failover = new FailoverRequest("node1", "node2", null, 3);
    String out = run(Action.STEP_DOWN, "node2");
    assertTrue(out.startsWith("switchover abandoned"), out);
    assertEquals("node1", store.leader);
    assertTrue(fence.armed, "still the primary: still fenced");
    assertNull(store.failover, "the request is dropped");
  }

  @Test
  void aDemotionStopsPostgresBeforeItDisarmsTheFence() {
    actions(WatchdogConfig.Mode.AUTOMATIC);
    pg.primary = true;
    assertTrue(lead.take());
    assertTrue(lead.armFence());
    run(Action.DEMOTE, null);
    assertTrue(at(log, "pg.stop IMMEDIATE") < at(log, "fence.disarm"), log.toString());
    assertNull(store.leader);
  }

  @Test
  void releasingTheLeaseAfterPrimaryStartTimeoutStopsAndReleases() {
    actions(WatchdogConfig.Mode.AUTOMATIC);
    assertTrue(lead.take());
    run(Action.RELEASE_LEASE, null);
    assertNull(store.leader);
    assertTrue(log.contains("pg.configureAsStandby"));
  }

  @Test
  void inPauseAShutdownLeavesPostgresRunningAndTheLockInPlace() {
    actions(WatchdogConfig.Mode.AUTOMATIC);
    pg.primary = true;
    store.config.put("pause", true);
    assertTrue(lead.take());
    actions.observe(store.load(ReadMode.LOCAL));
    actions.shutdown();
    assertFalse(log.contains("pg.stop FAST"), log.toString());
    assertTrue(pg.running);
    assertEquals("node1", store.leader, "the lock expires on its own");
  }

  @Test
  void outsidePauseAShutdownStopsPostgresAndHandsTheLockOver() {
    actions(WatchdogConfig.Mode.AUTOMATIC);
    pg.primary = true;
    assertTrue(lead.take());
    actions.observe(store.load(ReadMode.LOCAL));
    actions.shutdown();
    assertTrue(log.contains("pg.stop FAST"), log.toString());
    assertNull(store.leader);
  }

  @Test
  void theRenewalOfAnotherNodesLockUnderTheSameNameFails() {
    actions(WatchdogConfig.Mode.AUTOMATIC);
    assertTrue(lead.take());
    // A second node misconfigured with the same name (its own Raft address) cannot renew it.
    store.self = "127.0.0.1:8399";
    assertFalse(lead.renew());
    store.self = "127.0.0.1:8300";
    assertTrue(lead.renew());
  }

  @Test
  void thePromotionRecordsWhereTheOldTimelineEndedFromTheHistoryFile() {
    actions(WatchdogConfig.Mode.AUTOMATIC);
    run(Action.TAKE_LEASE_AND_PROMOTE, null);
    List<Object> entry = store.history.get(store.history.size() - 1);
    assertEquals(1, ((Number) entry.get(0)).intValue());
    assertEquals(
        io.synod.engine.postgres.Lsn.parse("0/3000000"), ((Number) entry.get(1)).longValue());
    assertEquals("node1", entry.get(4));
  }

  @Test
  void aNewPrimaryKeepsSlotsForTheDatabaseMembersAndNeverForAWitness() {
    actions(WatchdogConfig.Mode.AUTOMATIC);
    store.member("node2", "replica", "running", 100, null, 5433);
    store.members.put(
        "node3",
        new java.util.LinkedHashMap<>(
            Map.of(
                "api_url",
                "http://127.0.0.1:8010/patroni",
                "state",
                "running",
                "role",
                "witness")));
    String out = run(Action.TAKE_LEASE_AND_PROMOTE, null);
    assertTrue(out.startsWith("promoted"), out);
    assertEquals(java.util.Set.of("node2"), pg.slotMembers, "a witness never streams: no slot");
  }

  static HaSettings withPermanentSlots() {
    return HaDeciderTest.settings(
        DynamicConfig.fromMap(
            Map.of(
                "postgresql",
                Map.of("parameters", Map.of("wal_level", "logical")),
                "slots",
                Map.of(
                    "cdc",
                    Map.of("type", "logical", "database", "app", "plugin", "pgoutput"),
                    "keep",
                    Map.of("type", "physical"),
                    "theirs",
                    Map.of("type", "physical")),
                "ignore_slots",
                List.of(Map.of("name", "theirs"))),
            "test"));
  }

  @Test
  void theLeaderPublishesThePermanentSlotsPositionsAndKeepsThemOnThePrimary() {
    actions(WatchdogConfig.Mode.AUTOMATIC);
    run(Action.TAKE_LEASE_AND_PROMOTE, null);
    pg.permanentPositions = Map.of("cdc", 500L, "keep", 300L);
    Cluster c = store.load(ReadMode.LOCAL);
    actions.observe(c);
    actions.execute(new Decision(Action.RENEW, null, "test"), c, withPermanentSlots(), pg.state());
    assertEquals(500L, ((Number) store.slots.get("cdc")).longValue(), store.slots.toString());
    assertEquals(300L, ((Number) store.slots.get("keep")).longValue(), store.slots.toString());
    assertEquals(
        java.util.Set.of("cdc", "keep"),
        pg.permanent.wanted().stream()
            .map(s -> s.name())
            .collect(java.util.stream.Collectors.toSet()),
        "an ignored slot is never made");
    assertTrue(pg.permanent.ignored("theirs", "physical", null, null));
  }

  @Test
  void aReplicaKeepsPermanentPhysicalSlotsAtTheLeadersPositionsAndGetsTheLogicalOnes() {
    actions(WatchdogConfig.Mode.AUTOMATIC);
    store.member("node2", "primary", "running", 900, null, 5433);
    store.leader = "node2";
    store.slots = Map.of("cdc", 700L, "keep", 300L, "node1", 900L);
    pg.running = true;
    pg.primary = false;
    Cluster c = store.load(ReadMode.LOCAL);
    actions.observe(c);
    actions.execute(new Decision(Action.NONE, null, "test"), c, withPermanentSlots(), pg.state());
    assertEquals(300L, pg.replicaPositions.get("keep"), pg.replicaPositions.toString());
    assertFalse(pg.replicaPositions.containsKey("cdc"), "a logical slot is not a physical one");
    assertEquals(700L, pg.logicalPublished.get("cdc"), String.valueOf(pg.logicalPublished));
  }
}
