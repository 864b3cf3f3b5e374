package io.synod.bridges;

import java.util.Map;

/**
 * The operations the {@link Mirror} needs from a target, relative to the cluster prefix. Every call
 * is bounded by the bridge's request timeout and throws past it.
 */
public interface Target {
  /** Creates the client if there is none. Must not block on the network. */
  void open() throws Exception;

  /** A cheap round trip, for nodes that do not write (so up reflects reachability everywhere). */
  void ping() throws Exception;

  /** Every key under the cluster prefix (relative keys, nested ones included). */
  Map<String, Stored> readAll() throws Exception;

  /** One key, or null when absent. */
  Stored read(String key) throws Exception;

  /**
   * Writes {@code e}. Persistent keys are compared-and-set against {@code current} (absent when
   * null); TTL'd keys are bound to this writer's lease or session, taking the key over from another
   * owner.
   *
   * @return the key as now stored
   * @throws ConflictException when the compare-and-set failed
   */
  Stored put(MirrorEntry e, Stored current) throws Exception;

  /** Deletes the key; persistent keys only if still at {@code current.version()}. */
  void delete(String key, Stored current) throws Exception;

  /**
   * How often {@link #keepAlive()} must run while writing; 0 when the client keeps itself alive.
   */
  long keepAliveIntervalMs();

  /** Renews the lease / session of the TTL'd keys. */
  void keepAlive() throws Exception;

  /** True once after the target lost this writer's lease or session (the caller then resyncs). */
  boolean takeSessionLost();

  /**
   * This node stopped writing: stop renewing, so TTL'd keys expire unless the next writer takes
   * them over.
   */
  void relinquish();

  /** Called on every loop while not writing (a relinquished session may be closed here). */
  default void idle() {}

  /** Closes the client; no renewal afterwards. */
  void close();
}
