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

  /** Creates the leader key for {@code name} if nobody holds it (the leader race). */
  LeaseGrant takeLeader(String name, Duration ttl);

  /** Renews the lock, only if {@code name} still holds it (CAS on the value, as Patroni). */
  LeaseGrant renewLeader(String name, Duration ttl);

  /** Deletes the leader key if {@code name} holds it (graceful step-down). */
  boolean releaseLeader(String name);

  /** Writes this member's key with a lease of {@code ttl}. */
  void touchMember(String name, Map<String, Object> data, Duration ttl);

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

  void setSync(String leader, List<String> syncStandbys);

  void setFailsafe(Map<String, Object> members);

  /** patronictl remove: wipes every key of the cluster. */
  void deleteCluster();

  /** Blocks until a key of the cluster changes after {@code afterRevision}; -1 on timeout. */
  long awaitChange(long afterRevision, Duration timeout);

  StoreStatus raftStatus();

  /**
   * Moves the store's own leadership off this node if it has it (see {@link
   * io.synod.store.RaftStore#transferLeadershipAway()}); returns the new target or null.
   */
  String moveStoreLeadershipAway();
}
