package io.synod.store.cluster;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.synod.store.RaftStore;
import io.synod.store.ReadMode;
import io.synod.store.StoreStatus;
import io.synod.store.kv.Command;
import io.synod.store.kv.CommandResult;
import io.synod.store.kv.Expect;
import io.synod.store.kv.KvEntry;
import java.io.IOException;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@link ClusterStore} on the embedded Raft store. Values are encoded exactly as Patroni does. */
public final class RaftClusterStore implements ClusterStore {
  private static final Logger LOG = LoggerFactory.getLogger(RaftClusterStore.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * The share of the TTL the lock holder gives up to cover clock-rate drift between itself and the
   * Raft leader that will expire the key. 2% covers four times the 0.5% worst case of a free
   * running oscillator; NTP-disciplined clocks drift 100 times less. See package-info.
   */
  public static final double DRIFT_MARGIN = 0.02;

  private final RaftStore store;
  private final Keys keys;
  private final String owner;

  /** The member values this node last wrote, per key: unchanged ones are only kept alive. */
  private final Map<String, String> lastWritten = new java.util.concurrent.ConcurrentHashMap<>();

  public RaftClusterStore(RaftStore store, String namespace, String scope) {
    this.store = store;
    this.keys = new Keys(namespace, scope);
    // A Raft address is unique in the group, so it tells two nodes apart even when both were
    // (wrongly) given the same member name.
    this.owner = store.options().self();
  }

  @Override
  public String owner() {
    return owner;
  }

  @Override
  public Keys keys() {
    return keys;
  }

  @Override
  public Cluster load(ReadMode mode) {
    long rev = store.revision();
    List<KvEntry> entries = store.list(keys.base(), mode);
    rev = Math.max(rev, store.revision());
    String init = null;
    Map<String, Object> config = Map.of();
    long configRev = 0;
    Leader leader = null;
    Map<String, Member> members = new TreeMap<>();
    long optime = 0;
    Map<String, Object> slots = Map.of();
    List<List<Object>> history = List.of();
    SyncState sync = null;
    FailoverRequest failover = null;
    Map<String, Object> failsafe = Map.of();
    for (KvEntry e : entries) {
      String rel = keys.relative(e.key());
      try {
        if (rel == null) {
          continue;
        } else if (rel.equals(Keys.INITIALIZE)) {
          init = e.value();
        } else if (rel.equals(Keys.CONFIG)) {
          config = map(e.value());
          configRev = e.modRevision();
        } else if (rel.equals(Keys.LEADER)) {
          leader = new Leader(e.value(), e.modRevision(), e.ttlMs());
        } else if (rel.startsWith(Keys.MEMBERS)) {
          String name = rel.substring(Keys.MEMBERS.length());
          members.put(name, new Member(name, map(e.value()), e.modRevision()));
        } else if (rel.equals(Keys.STATUS)) {
          Map<String, Object> st = map(e.value());
          optime = st.get("optime") instanceof Number n ? n.longValue() : 0;
          slots = st.get("slots") instanceof Map<?, ?> m ? cast(m) : Map.of();
        } else if (rel.equals(Keys.HISTORY)) {
          history = JSON.readValue(e.value(), new TypeReference<List<List<Object>>>() {});
        } else if (rel.equals(Keys.SYNC)) {
          Map<String, Object> s = map(e.value());
          String standbys = s.get("sync_standby") == null ? "" : s.get("sync_standby").toString();
          List<String> voters = standbys.isBlank() ? List.of() : List.of(standbys.split(","));
          // Patroni's "on" mode keys carry no quorum: any listed standby has every commit
          int quorum = s.get("quorum") instanceof Number q && q.intValue() > 0 ? q.intValue() : 1;
          sync = new SyncState((String) s.get("leader"), voters, quorum, e.modRevision());
        } else if (rel.equals(Keys.FAILOVER)) {
          Map<String, Object> f = map(e.value());
          Object at = f.get("scheduled_at");
          failover =
              new FailoverRequest(
                  (String) f.get("leader"),
                  (String) f.get("member"),
                  at == null ? null : OffsetDateTime.parse(at.toString()),
                  e.modRevision());
        } else if (rel.equals(Keys.FAILSAFE)) {
          failsafe = map(e.value());
        }
      } catch (IOException | RuntimeException ex) {
        // One unreadable key must not blind the HA loop to the rest; say which key it was.
        LOG.warn("ignoring unreadable value of {}: {}", e.key(), ex.getMessage());
      }
    }
    return new Cluster(
        init, config, configRev, leader, members, optime, slots, history, sync, failover, failsafe,
        rev);
  }

  @Override
  public String leaderName(ReadMode mode) {
    return store.get(keys.key(Keys.LEADER), mode).map(KvEntry::value).orElse(null);
  }

  @Override
  public LeaseGrant takeLeader(String name, Duration ttl) {
    return lease(name, ttl, Expect.ABSENT);
  }

  /**
   * A keep-alive first (no log entry; see {@link RaftStore#keepAlive}); a logged compare-and-set
   * only when that could not extend the lease (the key changed hands, the TTL changed, the lease
   * ran out, or the leader was unreachable), so the answer and who holds the lock come from the log
   * as before.
   */
  @Override
  public LeaseGrant renewLeader(String name, Duration ttl) {
    long sent = System.nanoTime();
    if (store.keepAlive(keys.key(Keys.LEADER), name, owner, ttl.toMillis())) {
      return new LeaseGrant(true, sent + usable(ttl), name);
    }
    return lease(name, ttl, Expect.ownedValue(name, owner));
  }

  private static long usable(Duration ttl) {
    return (long) (ttl.toNanos() * (1.0 - DRIFT_MARGIN));
  }

  private LeaseGrant lease(String name, Duration ttl, Expect expect) {
    // The deadline counts from before the request left: the Raft leader's expiry clock can only
    // start later (when it applies the write), so we always give the lock up first.
    long sent = System.nanoTime();
    CommandResult r =
        store.write(Command.put(keys.key(Keys.LEADER), name, ttl.toMillis(), owner, expect));
    if (!r.succeeded()) {
      return new LeaseGrant(false, 0, r.current() == null ? null : r.current().value());
    }
    return new LeaseGrant(true, sent + usable(ttl), name);
  }

  @Override
  public boolean releaseLeader(String name) {
    return store
        .write(Command.delete(keys.key(Keys.LEADER), Expect.ownedValue(name, owner)))
        .succeeded();
  }

  /**
   * Unchanged content is kept alive without a log entry; new content (or a failed keep-alive) is
   * written, which also checks that no other node owns the name.
   */
  @Override
  public boolean touchMember(String name, Map<String, Object> data, Duration ttl) {
    String key = keys.member(name);
    String value = json(data);
    if (value.equals(lastWritten.get(key)) && store.keepAlive(key, value, owner, ttl.toMillis())) {
      return true;
    }
    boolean ok =
        store
            .write(Command.put(key, value, ttl.toMillis(), owner, Expect.absentOrOwned(owner)))
            .succeeded();
    if (ok) {
      lastWritten.put(key, value);
    } else {
      lastWritten.remove(key);
    }
    return ok;
  }

  @Override
  public String memberOwner(String name, ReadMode mode) {
    return store.get(keys.member(name), mode).map(KvEntry::leaseOwner).orElse(null);
  }

  @Override
  public void removeMember(String name) {
    store.write(Command.delete(keys.member(name), Expect.ANY));
  }

  @Override
  public boolean initialize(String sysid) {
    return store
        .write(Command.put(keys.key(Keys.INITIALIZE), sysid, 0, null, Expect.ABSENT))
        .succeeded();
  }

  @Override
  public void setInitialize(String sysid) {
    store.write(Command.put(keys.key(Keys.INITIALIZE), sysid, 0, null, Expect.ANY));
  }

  @Override
  public boolean cancelInitialization() {
    return store.write(Command.delete(keys.key(Keys.INITIALIZE), Expect.ANY)).succeeded();
  }

  @Override
  public boolean setConfig(Map<String, Object> config, Expect expect) {
    return store
        .write(Command.put(keys.key(Keys.CONFIG), json(config), 0, null, expect))
        .succeeded();
  }

  @Override
  public void setStatus(long optime, Map<String, Object> slots) {
    Map<String, Object> st = new LinkedHashMap<>();
    st.put("optime", optime);
    st.put("slots", slots);
    store.write(Command.put(keys.key(Keys.STATUS), json(st), 0, null, Expect.ANY));
  }

  @Override
  public void setHistory(List<List<Object>> history) {
    store.write(Command.put(keys.key(Keys.HISTORY), json(history), 0, null, Expect.ANY));
  }

  @Override
  public boolean setFailover(FailoverRequest request, Expect expect) {
    Map<String, Object> f = new LinkedHashMap<>();
    if (request.leader() != null) {
      f.put("leader", request.leader());
    }
    if (request.candidate() != null) {
      f.put("member", request.candidate());
    }
    if (request.scheduledAt() != null) {
      f.put("scheduled_at", request.scheduledAt().toString());
    }
    return store.write(Command.put(keys.key(Keys.FAILOVER), json(f), 0, null, expect)).succeeded();
  }

  @Override
  public boolean clearFailover(Expect expect) {
    return store.write(Command.delete(keys.key(Keys.FAILOVER), expect)).succeeded();
  }

  @Override
  public void setSync(String leader, List<String> syncStandbys, int quorum) {
    Map<String, Object> s = new LinkedHashMap<>();
    s.put("leader", leader);
    s.put("sync_standby", syncStandbys.isEmpty() ? null : String.join(",", syncStandbys));
    s.put("quorum", quorum);
    store.write(Command.put(keys.key(Keys.SYNC), json(s), 0, null, Expect.ANY));
  }

  @Override
  public void deleteSync() {
    store.write(Command.delete(keys.key(Keys.SYNC), Expect.ANY));
  }

  @Override
  public void setFailsafe(Map<String, Object> members) {
    store.write(Command.put(keys.key(Keys.FAILSAFE), json(members), 0, null, Expect.ANY));
  }

  @Override
  public void deleteCluster() {
    store.write(Command.deletePrefix(keys.base()));
  }

  @Override
  public long awaitChange(long afterRevision, Duration timeout) {
    return store.awaitChange(keys.base(), afterRevision, timeout);
  }

  @Override
  public java.util.concurrent.CompletableFuture<Long> watch(
      String relativeKey, long afterRevision) {
    return store.watch(keys.key(relativeKey), afterRevision);
  }

  @Override
  public void requestTimeout(Duration timeout) {
    store.requestTimeoutMs(timeout.toMillis());
  }

  @Override
  public StoreStatus raftStatus() {
    return store.status();
  }

  @Override
  public String moveStoreLeadershipAway() {
    return store.transferLeadershipAway();
  }

  static String json(Object o) {
    try {
      return JSON.writeValueAsString(o);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot encode " + o, e);
    }
  }

  private static Map<String, Object> map(String v) throws IOException {
    return JSON.readValue(v, new TypeReference<LinkedHashMap<String, Object>>() {});
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> cast(Map<?, ?> m) {
    return (Map<String, Object>) m;
  }
}
