package io.synod.bridges;

import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One mirror target: etcd v3 ({@link EtcdTarget}), ZooKeeper ({@link ZooKeeperTarget}) or Consul
 * ({@link ConsulTarget}). A backend implements the operations the {@link Mirror} needs, relative to
 * the cluster prefix; the Mirror drives them on its own threads. Every call is bounded by the
 * bridge's request timeout and throws past it.
 */
public abstract class Target {
  private final String name;
  private final AtomicBoolean sessionLost = new AtomicBoolean();

  /**
   * @param name the metric label and log name: {@code etcd3}, {@code zookeeper} or {@code consul}
   */
  protected Target(String name) {
    this.name = name;
  }

  /** The metric label and log name: {@code etcd3}, {@code zookeeper} or {@code consul}. */
  public final String name() {
    return name;
  }

  /**
   * The target lost this writer's lease or session (its TTL'd keys may be gone or owned by nobody):
   * the mirror resyncs on its next turn.
   */
  protected final void sessionLost() {
    sessionLost.set(true);
  }

  /** True once after {@link #sessionLost()} was called (the caller then resyncs). */
  final boolean takeSessionLost() {
    return sessionLost.getAndSet(false);
  }

  /** Creates the client if there is none. Must not block on the network. */
  public abstract void open() throws Exception;

  /** A cheap round trip, for nodes that do not write (so up reflects reachability everywhere). */
  public abstract void ping() throws Exception;

  /** Every key under the cluster prefix (relative keys, nested ones included). */
  public abstract Map<String, Stored> readAll() throws Exception;

  /** One key, or null when absent. */
  public abstract Stored read(String key) throws Exception;

  /**
   * Writes {@code e}. Persistent keys are compared-and-set against {@code current} (absent when
   * null); TTL'd keys are bound to this writer's lease or session, taking the key over from another
   * owner.
   *
   * @return the key as now stored
   * @throws ConflictException when the compare-and-set failed
   */
  public abstract Stored put(MirrorEntry e, Stored current) throws Exception;

  /** Deletes the key; persistent keys only if still at {@code current.version()}. */
  public abstract void delete(String key, Stored current) throws Exception;

  /**
   * How often {@link #keepAlive()} must run while writing; 0 when the client keeps itself alive.
   */
  public abstract long keepAliveIntervalMs();

  /**
   * Renews the lease / session of the TTL'd keys.
   *
   * @throws SessionLostException when the lease or session is gone (after {@link #sessionLost()})
   */
  public abstract void keepAlive() throws Exception;

  /**
   * This node stopped writing: stop renewing, so TTL'd keys expire unless the next writer takes
   * them over.
   */
  public abstract void relinquish();

  /** Called on every loop while not writing (a relinquished session may be closed here). */
  public void idle() {}

  /** Closes the client; no renewal afterwards. */
  public abstract void close();
}
