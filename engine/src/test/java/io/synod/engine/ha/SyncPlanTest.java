package io.synod.engine.ha;

import static org.junit.jupiter.api.Assertions.*;

import io.synod.config.SynchronousMode;
import io.synod.engine.ha.SyncPlan.Standby;
import io.synod.engine.ha.SyncPlan.Step;
import io.synod.engine.postgres.SyncStandbyNames;
import io.synod.store.cluster.Member;
import io.synod.store.cluster.SyncState;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The leader's synchronous-replication steps as a table of cases, and a model check: driving the
 * plan step by step from many states, every state it passes through keeps every acknowledged commit
 * visible to every failover quorum.
 */
class SyncPlanTest {
  static final long NOW = 10_000;

  static Member member(String name, Map<String, Object> tags) {
    Map<String, Object> d = new HashMap<>();
    d.put("state", "running");
    d.put("tags", tags);
    return new Member(name, d, 1);
  }

  /** A cluster description the tests mutate. */
  static final class W {
    SynchronousMode mode = SynchronousMode.ON;
    boolean strict;
    int n = 1;
    long maxLag = -1;
    SyncStandbyNames cur;
    long setAt = 100;
    List<Standby> standbys = new ArrayList<>();
    Map<String, Member> members = new LinkedHashMap<>();
    SyncState key;

    W streaming(String... names) {
      for (String nm : names) {
        standbys.add(new Standby(nm, "streaming", "async", NOW));
        members.put(nm, member(nm, Map.of()));
      }
      return this;
    }

    W key(int q, String... voters) {
      key = new SyncState("node1", List.of(voters), q, 1);
      return this;
    }

    W cur(SyncStandbyNames s) {
      cur = s;
      return this;
    }

    SyncPlan.In in() {
      return new SyncPlan.In(
          "node1", mode, strict, n, maxLag, cur, setAt, NOW, standbys, members, key);
    }

    Step next() {
      return SyncPlan.next(in());
    }

    /** Applies a step as the actions would (PostgreSQL reports standbys as sync right away). */
    void apply(Step s) {
      switch (s.kind()) {
        case RECORD -> key = new SyncState("node1", s.voters(), s.quorum(), 2);
        case SET -> {
          cur = s.names();
          setAt = NOW;
          List<Standby> next = new ArrayList<>();
          for (Standby st : standbys) {
            boolean listed = cur != null && cur.names().contains(st.name());
            String state =
                !listed ? "async" : cur.kind() == SyncStandbyNames.Kind.ANY ? "quorum" : "sync";
            next.add(new Standby(st.name(), st.state(), state, st.flushLsn()));
          }
          standbys = next;
        }
        case DELETE -> key = null;
        case NONE -> {}
      }
    }
  }

  static SyncStandbyNames first(String... names) {
    return SyncStandbyNames.first(names.length, List.of(names));
  }

  @Test
  void aNewLeaderFirstSealsTheKeySoNoFailoverHappensUntilAStandbyIsSynchronous() {
    W w = new W().streaming("node2", "node3");
    Step s = w.next();
    assertEquals(Step.Kind.RECORD, s.kind());
    assertEquals(List.of(), s.voters());
    assertFalse(new SyncState("node1", s.voters(), s.quorum(), 0).failoverPossible());
  }

  @Test
  void onModeAddsTheVoterBeforePostgresWaitsForItAndRecordsItOnceConfirmed() {
    W w = new W().streaming("node2", "node3").key(1);
    Step a = w.next();
    assertEquals(Step.Kind.RECORD, a.kind(), a.why());
    assertEquals(List.of("node2"), a.voters());
    assertEquals(2, a.quorum(), "a voter added without PostgreSQL waiting for it: still sealed");
    w.apply(a);
    Step b = w.next();
    assertEquals(Step.Kind.SET, b.kind(), b.why());
    assertEquals("FIRST 1 (\"node2\")", b.names().render());
    w.apply(b);
    Step c = w.next();
    assertEquals(Step.Kind.RECORD, c.kind(), c.why());
    assertEquals(List.of("node2"), c.voters());
    assertEquals(1, c.quorum());
    w.apply(c);
    assertEquals(Step.Kind.NONE, w.next().kind());
  }

  @Test
  void aStandbyIsRecordedOnlyOnceItHasTheWalUpToTheChange() {
    W w = new W().streaming("node2").key(2, "node2").cur(first("node2"));
    w.setAt = NOW + 1; // node2 has flushed only up to NOW
    w.standbys = List.of(new Standby("node2", "streaming", "sync", NOW));
    assertEquals(Step.Kind.NONE, w.next().kind());
    w.standbys = List.of(new Standby("node2", "streaming", "sync", NOW + 1));
    assertEquals(Step.Kind.RECORD, w.next().kind());
  }

  @Test
  void aLaggingSyncStandbyIsReplacedWithoutEverLeavingAGap() {
    W w = new W().streaming("node2", "node3").key(1, "node2").cur(first("node2"));
    w.maxLag = 100;
    w.standbys =
        List.of(
            new Standby("node2", "streaming", "sync", NOW - 1000),
            new Standby("node3", "streaming", "async", NOW));
    Step a = w.next();
    assertEquals(List.of("node2", "node3"), a.voters());
    assertEquals(2, a.quorum());
    w.apply(a);
    Step b = w.next();
    assertEquals("FIRST 1 (\"node3\")", b.names().render(), b.why());
    w.apply(b);
    Step c = w.next();
    assertEquals(List.of("node3"), c.voters());
    assertEquals(1, c.quorum());
  }

  @Test
  void withoutAnyStandbyNonStrictGoesAsynchronousAfterSealingTheKey() {
    W w = new W().key(1, "node2").cur(first("node2"));
    w.members.put("node2", member("node2", Map.of()));
    Step a = w.next();
    assertEquals(Step.Kind.RECORD, a.kind(), a.why());
    assertEquals(2, a.quorum(), "sealed: q > voters");
    w.apply(a);
    Step b = w.next();
    assertEquals(SyncStandbyNames.ASYNC, b.names());
  }

  @Test
  void strictModeWithoutStandbysWaitsForAnyStandby() {
    W w = new W().key(1, "node2").cur(first("node2"));
    w.strict = true;
    w.apply(w.next());
    Step b = w.next();
    assertEquals(SyncStandbyNames.STAR, b.names());
  }

  @Test
  void nosyncAndSyncPriorityZeroAreNeverSynchronousAndHigherPriorityWins() {
    W w = new W().key(1);
    w.standbys.add(new Standby("node2", "streaming", "async", NOW));
    w.standbys.add(new Standby("node3", "streaming", "async", NOW));
    w.standbys.add(new Standby("node4", "streaming", "async", NOW));
    w.members.put("node2", member("node2", Map.of("nosync", true)));
    w.members.put("node3", member("node3", Map.of("sync_priority", 1)));
    w.members.put("node4", member("node4", Map.of("sync_priority", 5)));
    assertEquals(List.of("node4", "node3"), SyncPlan.eligible(w.in()));
    w.members.put("node4", member("node4", Map.of("sync_priority", 0)));
    assertEquals(List.of("node3"), SyncPlan.eligible(w.in()));
  }

  @Test
  void quorumModeUsesAnyKOfAllEligibleAndAQuorumThatMeetsEveryAcknowledgingSet() {
    W w = new W().streaming("node2", "node3").key(1);
    w.mode = SynchronousMode.QUORUM;
    for (int i = 0; i < 6 && w.next().kind() != Step.Kind.NONE; i++) {
      w.apply(w.next());
    }
    assertEquals("ANY 1 (\"node2\",\"node3\")", w.cur.render());
    assertEquals(List.of("node2", "node3"), w.key.syncStandby());
    assertEquals(2, w.key.quorum(), "any one may have acked: a candidate must see both");
  }

  @Test
  void turningSynchronousModeOffSealsTheKeyThenStopsWaitingThenDropsIt() {
    W w = new W().streaming("node2").key(1, "node2").cur(first("node2"));
    w.mode = SynchronousMode.OFF;
    Step a = w.next();
    assertEquals(Step.Kind.RECORD, a.kind());
    assertEquals(2, a.quorum());
    w.apply(a);
    Step b = w.next();
    assertEquals(Step.Kind.SET, b.kind());
    assertNull(b.names());
    w.apply(b);
    assertEquals(Step.Kind.DELETE, w.next().kind());
  }

  // --- model check ----------------------------------------------------------------------------

  /**
   * Every set of k standbys that PostgreSQL could wait for, under any configuration the plan has
   * put in place since the key last allowed a failover, meets every quorum of the key.
   */
  static boolean safe(SyncState key, List<SyncStandbyNames> configs) {
    if (key == null || !key.failoverPossible()) {
      return true;
    }
    Set<String> voters = Set.copyOf(key.syncStandby());
    for (SyncStandbyNames c : configs) {
      if (c == null
          || c.kind() == SyncStandbyNames.Kind.ASYNC
          || c.kind() == SyncStandbyNames.Kind.STAR) {
        return false; // commits acked by no known standby while the key allows a failover
      }
      if (!voters.containsAll(c.names()) || c.required() + key.quorum() <= voters.size()) {
        return false;
      }
    }
    return true;
  }

  @Test
  void fromManyStartingPointsEveryIntermediateStateIsSafe() {
    String[] all = {"node2", "node3", "node4"};
    List<List<String>> subsets = new ArrayList<>();
    for (int mask = 0; mask < 8; mask++) {
      List<String> s = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        if ((mask & (1 << i)) != 0) {
          s.add(all[i]);
        }
      }
      subsets.add(s);
    }
    int runs = 0;
    for (SynchronousMode mode : List.of(SynchronousMode.ON, SynchronousMode.QUORUM)) {
      for (boolean strict : List.of(false, true)) {
        for (int n = 1; n <= 3; n++) {
          for (List<String> from : subsets) {
            for (List<String> to : subsets) {
              W w = new W();
              w.mode = mode;
              w.strict = strict;
              w.n = n;
              for (String s : all) {
                w.members.put(s, member(s, Map.of()));
              }
              // start settled on `from`, then the streaming standbys become `to`
              w.cur =
                  mode == SynchronousMode.QUORUM
                      ? SyncStandbyNames.any(Math.min(n, Math.max(1, from.size())), from)
                      : SyncStandbyNames.first(from.size(), from);
              w.key = new SyncState("node1", from, SyncPlan.minimalQuorum(from.size(), w.cur), 1);
              for (String s : to) {
                w.standbys.add(new Standby(s, "streaming", "async", NOW));
              }
              w.apply(new Step(Step.Kind.SET, w.cur, List.of(), 0, "start"));
              List<SyncStandbyNames> since = new ArrayList<>(List.of(w.cur));
              for (int step = 0; step < 12; step++) {
                Step s = w.next();
                if (s.kind() == Step.Kind.NONE) {
                  break;
                }
                w.apply(s);
                if (s.kind() == Step.Kind.SET) {
                  since.add(w.cur);
                }
                if (s.kind() == Step.Kind.RECORD && s.voters().equals(w.cur.names())) {
                  // a lowered quorum is only written once every standby confirmed the last change:
                  // older configurations no longer matter
                  since.clear();
                  since.add(w.cur);
                }
                final int nn = n;
                assertTrue(
                    safe(w.key, since),
                    () ->
                        mode
                            + " strict="
                            + strict
                            + " n="
                            + nn
                            + " "
                            + from
                            + "->"
                            + to
                            + ": unsafe after "
                            + s.why()
                            + " key="
                            + w.key
                            + " configs="
                            + since);
              }
              assertEquals(Step.Kind.NONE, w.next().kind(), "settles: " + from + "->" + to);
              runs++;
            }
          }
        }
      }
    }
    assertEquals(2 * 2 * 3 * 64, runs);
  }

  @Test
  void aSyncStandbyThatFellSilentWhileCommitsWaitIsReplaced() {
    // its host was cut off: PostgreSQL still lists it as streaming until wal_sender_timeout
    W w = new W().streaming("node2", "node3").key(1, "node2").cur(first("node2"));
    w.standbys =
        List.of(
            new Standby("node2", "streaming", "sync", NOW - 500, 4000, 3000),
            new Standby("node3", "streaming", "async", NOW, 10, 0));
    assertEquals(List.of("node3"), SyncPlan.eligible(w.in()));
    // behind but talking (a busy standby): still fine
    w.standbys =
        List.of(
            new Standby("node2", "streaming", "sync", NOW - 500, 20, 3000),
            new Standby("node3", "streaming", "async", NOW, 10, 0));
    assertEquals(List.of("node2", "node3"), SyncPlan.eligible(w.in()));
    // silent but caught up (an idle cluster): still fine
    w.standbys =
        List.of(
            new Standby("node2", "streaming", "sync", NOW, 9000, 0),
            new Standby("node3", "streaming", "async", NOW, 10, 0));
    assertEquals(List.of("node2", "node3"), SyncPlan.eligible(w.in()));
    // an idle standby that has not yet flushed a commit written a moment ago: still fine
    // (dropping it here sent a healthy cluster to asynchronous commits)
    w.standbys =
        List.of(
            new Standby("node2", "streaming", "sync", NOW - 500, 9000, 200),
            new Standby("node3", "streaming", "async", NOW, 10, 0));
    assertEquals(List.of("node2", "node3"), SyncPlan.eligible(w.in()));
  }

  @Test
  void aWitnessIsNeverASynchronousStandbyEvenIfAConnectionCarriesItsName() {
    W w = new W().streaming("node2", "node3");
    Map<String, Object> d = new HashMap<>();
    d.put("state", "running");
    d.put("role", "witness");
    w.members.put("node3", new Member("node3", d, 1));
    assertEquals(List.of("node2"), SyncPlan.eligible(w.in()));
  }
}
