package io.synod.engine.postgres;

import java.time.Instant;
import java.util.List;

/**
 * One snapshot of the local PostgreSQL, taken by {@link Postgres#state()} on every HA loop. Never
 * partial in a surprising way: fields that could not be read hold their "unknown" value (false, 0,
 * null, empty list) and {@code error} says why.
 *
 * @param dataDirExists PGDATA exists
 * @param dataDirEmpty PGDATA is missing or empty (a node that needs bootstrap or a clone)
 * @param running a live postmaster owns PGDATA (pid file + process table, not a connection)
 * @param postmasterPid its pid, 0 when not running
 * @param acceptingConnections a superuser connection succeeded
 * @param inRecovery pg_is_in_recovery(): a replica (or a primary still in crash recovery); without
 *     a connection, derived from clusterState ("in archive/crash recovery")
 * @param timeline current timeline (primary), received/checkpoint timeline (replica), or
 *     pg_control's latest checkpoint timeline when stopped; 0 unknown
 * @param currentLsn pg_current_wal_lsn() on a primary, else 0
 * @param receiveLsn pg_last_wal_receive_lsn() on a replica, else 0
 * @param replayLsn pg_last_wal_replay_lsn() on a replica, else 0
 * @param walReceiver pg_stat_wal_receiver row on a replica, null when there is no WAL receiver
 * @param replication pg_stat_replication rows (the walsenders of this server)
 * @param sysid database system identifier (unsigned 64-bit, as PostgreSQL prints it), null unknown
 * @param serverVersion server_version_num (e.g. 150013), 0 unknown
 * @param postmasterStartTime pg_postmaster_start_time(), null unknown
 * @param pendingRestart some changed setting needs a restart (pg_settings.pending_restart)
 * @param clusterState pg_controldata's "Database cluster state" when no SQL connection was possible
 *     (stopped: "shut down", "shut down in recovery", or "in production" after a crash; running but
 *     not accepting connections: "in archive recovery", ...), else null
 * @param error why something could not be read (connection refused, ...), null when all was read
 */
public record PgState(
    boolean dataDirExists,
    boolean dataDirEmpty,
    boolean running,
    long postmasterPid,
    boolean acceptingConnections,
    boolean inRecovery,
    int timeline,
    long currentLsn,
    long receiveLsn,
    long replayLsn,
    WalReceiver walReceiver,
    List<ReplicationRow> replication,
    String sysid,
    int serverVersion,
    Instant postmasterStartTime,
    boolean pendingRestart,
    String clusterState,
    String error) {

  public PgState {
    replication = replication == null ? List.of() : List.copyOf(replication);
  }

  /**
   * pg_stat_wal_receiver: status is "streaming", "startup", "catchup", "waiting", "stopping", ...
   */
  public record WalReceiver(
      String status,
      String senderHost,
      int senderPort,
      int receivedTli,
      String slotName,
      long flushedLsn) {}

  /**
   * One pg_stat_replication row. state: "streaming", "catchup", "backup"...; syncState: "async",
   * "sync"...; replyAgeMs: how long ago the standby last replied (-1: unknown)
   */
  public record ReplicationRow(
      String applicationName,
      String clientAddr,
      String state,
      String syncState,
      long sentLsn,
      long writeLsn,
      long flushLsn,
      long replayLsn,
      long replyAgeMs) {

    /** Without the reply age (unknown: -1). */
    public ReplicationRow(
        String applicationName,
        String clientAddr,
        String state,
        String syncState,
        long sentLsn,
        long writeLsn,
        long flushLsn,
        long replayLsn) {
      this(
          applicationName,
          clientAddr,
          state,
          syncState,
          sentLsn,
          writeLsn,
          flushLsn,
          replayLsn,
          -1);
    }
  }

  /** No PostgreSQL at all (a witness): nothing exists, nothing runs; {@code error} says why. */
  public static PgState none(String why) {
    return new PgState(
        false, true, false, 0, false, false, 0, 0, 0, 0, null, List.of(), null, 0, null, false,
        null, why);
  }

  /** Running, accepting connections and not in recovery. */
  public boolean isPrimary() {
    return running && acceptingConnections && !inRecovery;
  }

  /** Running, accepting connections and in recovery. */
  public boolean isReplica() {
    return running && acceptingConnections && inRecovery;
  }

  /** A WAL receiver is streaming from an upstream. */
  public boolean isStreaming() {
    return walReceiver != null && "streaming".equals(walReceiver.status());
  }

  /**
   * Where this node's WAL is: the write position on a primary, max(receive, replay) on a replica; 0
   * unknown.
   */
  public long walPosition() {
    return inRecovery ? Math.max(receiveLsn, replayLsn) : currentLsn;
  }
}
