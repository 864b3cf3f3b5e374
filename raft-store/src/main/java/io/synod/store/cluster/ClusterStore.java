package io.synod.store.cluster;

import io.synod.store.ReadMode;
import io.synod.store.StoreStatus;
import io.synod.store.kv.Expect;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The DCS as the HA engine and the bridges see it: Patroni's keys, typed. Every method is bounded
 * by the store's request timeout and throws {@link io.synod.store.StoreException} past it.
 */
public interface ClusterStore {
  Keys keys();

  /** Reads every key of the cluster at one revision. */
  Cluster load(ReadMode mode);

  /** Who holds the leader lock (null: nobody), without reading the rest of the cluster. */
  String leaderName(ReadMode mode);

  /** Creates the leader key for {@code name} if nobody holds it (the leader race). */
  LeaseGrant takeLeader(String name, Duration ttl);

  /** Renews the lock, only if {@code name} still holds it (CAS on the value, as Patroni). */
  LeaseGrant renewLeader(String name, Duration ttl);

  /** Deletes the leader key if {@code name} holds it (graceful step-down). */
  boolean releaseLeader(String name);

  /**
   * Writes this member's key with a lease of {@code ttl}; false when a live key of that name was
   * written by another node (two nodes configured with one name: the second must not run).
   */
  boolean touchMember(String name, Map<String, Object> data, Duration ttl);

  /** Who wrote the member key of {@code name} (a node's Raft address), or null when absent. */
  String memberOwner(String name, ReadMode mode);

  /** This node's identity as the owner of the leases it writes (its Raft address). */
  String owner();

  void removeMember(String name);

  /** Wins the bootstrap race: writes the system identifier only if no one did. */
  boolean initialize(String sysid);

  /** Records the system identifier once bootstrap finished (overwrites the race's placeholder). */
  void setInitialize(String sysid);

  boolean cancelInitialization();

  /**
   * Writes the dynamic config if {@code expect} holds: {@link Expect#ANY}, {@link Expect#ABSENT}
   * (the first write), or {@link Expect#revision} of the key as read (compare-and-set).
   *
   * @return false when the expectation did not hold (nothing written)
   */
  boolean setConfig(Map<String, Object> config, Expect expect);

  /** The leader's optime and slot positions (status key). */
  void setStatus(long optime, Map<String, Object> slots);

  void setHistory(List<List<Object>> history);

  /** Writes the failover key if {@code expect} holds (as {@link #setConfig}). */
  boolean setFailover(FailoverRequest request, Expect expect);

  /** Deletes the failover key if {@code expect} holds (as {@link #setConfig}). */
  boolean clearFailover(Expect expect);

  /** The sync key (synchronous mode): voters and the quorum a failover candidate must see. */
  void setSync(String leader, List<String> syncStandbys, int quorum);

  /** Synchronous mode turned off: the sync key goes. */
  void deleteSync();

  void setFailsafe(Map<String, Object> members);

  /** patronictl remove: wipes every key of the cluster. */
  void deleteCluster();

  /** Blocks until a key of the cluster changes after {@code afterRevision}; -1 on timeout. */
  long awaitChange(long afterRevision, Duration timeout);

  /**
   * Completes with the revision of the first change of the cluster key {@code relativeKey} (e.g.
   * {@link Keys#LEADER}) after {@code afterRevision}. Cancel it when no longer interested: a
   * cancelled watch leaves nothing registered.
   */
  java.util.concurrent.CompletableFuture<Long> watch(String relativeKey, long afterRevision);

  /** Bounds every later store call by {@code timeout} (retry_timeout; may change at run time). */
  void requestTimeout(Duration timeout);

  StoreStatus raftStatus();

  /**
   * Moves the store's own leadership off this node if it has it (see {@link
   * io.synod.store.RaftStore#transferLeadershipAway()}); returns the new target or null.
   */
  String moveStoreLeadershipAway();
}
