package io.synod.engine.api;

import io.synod.store.ReadMode;
import io.synod.store.StoreException;
import io.synod.store.StoreStatus;
import io.synod.store.cluster.Cluster;
import io.synod.store.cluster.ClusterStore;
import io.synod.store.cluster.FailoverRequest;
import io.synod.store.cluster.Keys;
import io.synod.store.cluster.Leader;
import io.synod.store.cluster.LeaseGrant;
import io.synod.store.cluster.Member;
import io.synod.store.cluster.SyncState;
import io.synod.store.kv.Expect;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

/** An in-memory {@link ClusterStore} for REST API tests: Patroni's keys with revisions and CAS. */
public final class FakeStore implements ClusterStore {
  long revision = 10;
  public Map<String, Object> config = new LinkedHashMap<>();
  public long configRevision;
  public String leader;
  public final Map<String, Map<String, Object>> members = new TreeMap<>();
  public long optime;

  /** The status key's slot positions, as the last setStatus wrote them. */
  public Map<String, Object> slots = Map.of();

  public List<List<Object>> history = new ArrayList<>();
  public SyncState sync;
  public FailoverRequest failover;
  public boolean failCas;
  public volatile boolean down;
  public boolean deleted;

  /** The initialize key (the cluster's system identifier); "" while a bootstrap runs. */
  public String initialize = "7000000000000000001";

  /** Writes of the initialize key that are applied but answer with a timeout, as a slow leader. */
  public int initializeTimeouts;

  /** Called after the failover key is written (simulates the HA loops reacting). */
  public Consumer<FakeStore> onFailover = s -> {};

  public synchronized FakeStore member(
      String name, String role, String state, long xlog, Map<String, Object> tags, int pgPort) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("conn_url", "postgres://127.0.0.1:" + pgPort + "/postgres");
    m.put("api_url", "http://127.0.0.1:" + (pgPort + 2576) + "/patroni");
    m.put("state", state);
    m.put("role", role);
    m.put("version", "synod-0.1.0");
    m.put("xlog_location", xlog);
    m.put("timeline", 1);
    if (role.equals("replica")) {
      m.put("replication_state", "streaming");
      m.put("receive_lsn", io.synod.engine.postgres.Lsn.format(xlog));
      m.put("replay_lsn", io.synod.engine.postgres.Lsn.format(xlog));
    }
    if (tags != null && !tags.isEmpty()) {
      m.put("tags", tags);
    }
    members.put(name, m);
    revision++;
    return this;
  }

  private void check() {
    if (down) {
      throw new StoreException(StoreException.Kind.NO_QUORUM, "no Raft leader (test)");
    }
  }

  @Override
  public Keys keys() {
    return new Keys("/service", "test");
  }

  @Override
  public synchronized Cluster load(ReadMode mode) {
    check();
    Map<String, Member> ms = new TreeMap<>();
    members.forEach((k, v) -> ms.put(k, new Member(k, new LinkedHashMap<>(v), revision)));
    return new Cluster(
        deleted ? null : initialize,
        io.synod.config.Maps.mutableCopy(config),
        configRevision,
        leader == null ? null : new Leader(leader, revision, 2000),
        ms,
        optime,
        slots,
        new ArrayList<>(history),
        sync,
        failover,
        Map.of(),
        revision);
  }

  /** Who wrote the leader key and each member key (the node's Raft address in real life). */
  public String leaderOwner;

  public final Map<String, String> memberOwners = new TreeMap<>();

  /** The identity this fake writes leases as. */
  public String self = "127.0.0.1:8300";

  /** Every lock operation, in order ("take node1", "renew node1", "release node1"). */
  public final List<String> lockLog = new ArrayList<>();

  @Override
  public synchronized String owner() {
    return self;
  }

  @Override
  public synchronized String leaderName(ReadMode mode) {
    check();
    return leader;
  }

  @Override
  public synchronized LeaseGrant takeLeader(String name, Duration ttl) {
    check();
    lockLog.add("take " + name);
    if (leader != null) {
      return new LeaseGrant(false, 0, leader);
    }
    leader = name;
    leaderOwner = self;
    revision++;
    return new LeaseGrant(true, System.nanoTime() + ttl.toNanos() * 98 / 100, name);
  }

  /** How long a renewal takes to answer, as on a loaded host. */
  public volatile long renewDelayMs;

  /** Renewal requests, answered or not. */
  public final java.util.concurrent.atomic.AtomicInteger renewCalls =
      new java.util.concurrent.atomic.AtomicInteger();

  @Override
  public synchronized LeaseGrant renewLeader(String name, Duration ttl) {
    renewCalls.incrementAndGet();
    if (renewDelayMs > 0) {
      try {
        Thread.sleep(renewDelayMs);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    check();
    lockLog.add("renew " + name);
    if (!name.equals(leader) || !self.equals(leaderOwner)) {
      return new LeaseGrant(false, 0, leader);
    }
    revision++;
    return new LeaseGrant(true, System.nanoTime() + ttl.toNanos() * 98 / 100, name);
  }

  @Override
  public synchronized boolean releaseLeader(String name) {
    check();
    lockLog.add("release " + name);
    if (!name.equals(leader) || !self.equals(leaderOwner)) {
      return false;
    }
    leader = null;
    leaderOwner = null;
    revision++;
    return true;
  }

  /** How many member-key writes and status writes reached the store. */
  public int touches;

  public int statusWrites;

  @Override
  public synchronized boolean touchMember(String name, Map<String, Object> data, Duration ttl) {
    check();
    touches++;
    String o = memberOwners.get(name);
    if (o != null && !o.equals(self)) {
      return false;
    }
    memberOwners.put(name, self);
    members.put(name, new LinkedHashMap<>(data));
    revision++;
    return true;
  }

  @Override
  public synchronized String memberOwner(String name, ReadMode mode) {
    return memberOwners.get(name);
  }

  @Override
  public java.util.concurrent.CompletableFuture<Long> watch(String relativeKey, long after) {
    return new java.util.concurrent.CompletableFuture<>();
  }

  public Duration requestTimeout;

  @Override
  public void requestTimeout(Duration timeout) {
    requestTimeout = timeout;
  }

  @Override
  public void removeMember(String name) {
    members.remove(name);
  }

  @Override
  public synchronized boolean initialize(String sysid) {
    check();
    if (initialize != null) {
      return false;
    }
    initialize = sysid;
    return true;
  }

  @Override
  public synchronized void setInitialize(String sysid) {
    check();
    initialize = sysid;
    revision++;
    if (initializeTimeouts > 0) {
      initializeTimeouts--;
      throw new StoreException(
          StoreException.Kind.TIMEOUT, "Raft leader did not answer within 499 ms (test)");
    }
  }

  @Override
  public synchronized boolean cancelInitialization() {
    check();
    initialize = null;
    return true;
  }

  @Override
  public synchronized boolean setConfig(Map<String, Object> c, Expect expect) {
    check();
    if (failCas || !holds(expect, configRevision)) {
      return false;
    }
    config = io.synod.config.Maps.mutableCopy(c);
    configRevision = ++revision;
    return true;
  }

  /** The store's rule for an expectation; revision 0 is an absent key. */
  private static boolean holds(Expect e, long currentRevision) {
    return switch (e.kind()) {
      case ANY -> true;
      case ABSENT -> currentRevision == 0;
      case PRESENT -> currentRevision != 0;
      case REVISION -> currentRevision == e.revision();
      case VALUE, OWNED_VALUE, ABSENT_OR_OWNED ->
          throw new UnsupportedOperationException("no value expectations here");
    };
  }

  @Override
  public void setStatus(long optime, Map<String, Object> slots) {
    statusWrites++;
    this.optime = optime;
    this.slots = Map.copyOf(slots);
  }

  @Override
  public void setHistory(List<List<Object>> h) {
    history = new ArrayList<>(h);
  }

  @Override
  public boolean setFailover(FailoverRequest request, Expect expect) {
    synchronized (this) {
      check();
      if (failCas) {
        return false;
      }
      failover =
          new FailoverRequest(
              request.leader(), request.candidate(), request.scheduledAt(), ++revision);
    }
    onFailover.accept(this);
    return true;
  }

  @Override
  public synchronized boolean clearFailover(Expect expect) {
    check();
    if (failCas || failover == null || !holds(expect, failover.revision())) {
      return false;
    }
    failover = null;
    revision++;
    return true;
  }

  @Override
  public void setSync(String leader, List<String> syncStandbys, int quorum) {
    sync = new SyncState(leader, syncStandbys, quorum, ++revision);
  }

  @Override
  public void deleteSync() {
    sync = null;
  }

  @Override
  public void setFailsafe(Map<String, Object> members) {}

  @Override
  public synchronized void deleteCluster() {
    check();
    deleted = true;
    members.clear();
    config = new LinkedHashMap<>();
    leader = null;
  }

  @Override
  public long awaitChange(long afterRevision, Duration timeout) {
    return -1;
  }

  @Override
  public String moveStoreLeadershipAway() {
    return null;
  }

  @Override
  public StoreStatus raftStatus() {
    throw new UnsupportedOperationException();
  }
}
