package io.synod.engine.ha;

/**
 * What the decision needs to know about the local PostgreSQL, read once per loop.
 *
 * @param dataDirEmpty no cluster on disk yet (PG_VERSION missing)
 * @param walPosition on a primary the current LSN; on a standby the highest received/replayed LSN
 * @param controlState pg_control's "Database cluster state" when no SQL connection was possible
 *     ("in production" after a crash, "shut down", "shut down in recovery", ...), else null
 * @param following the member name the standby configuration points at (null: none)
 * @param accepting the postmaster answers queries (false while it starts or recovers)
 * @param streaming a standby whose WAL receiver is streaming (pg_stat_wal_receiver)
 * @param syncNames the synchronous_standby_names Synod runs this server with (null: not managed)
 * @param syncSetAt the WAL position when {@code syncNames} took effect
 * @param standbys on a primary: its standbys as pg_stat_replication shows them
 */
public record LocalPg(
    boolean dataDirEmpty,
    boolean running,
    boolean inRecovery,
    long timeline,
    long walPosition,
    String sysid,
    String controlState,
    String following,
    boolean accepting,
    boolean streaming,
    io.synod.engine.postgres.SyncStandbyNames syncNames,
    long syncSetAt,
    java.util.List<SyncPlan.Standby> standbys) {

  public LocalPg {
    standbys = standbys == null ? java.util.List.of() : java.util.List.copyOf(standbys);
  }

  /** Without the synchronous-replication details (most decisions do not need them). */
  public LocalPg(
      boolean dataDirEmpty,
      boolean running,
      boolean inRecovery,
      long timeline,
      long walPosition,
      String sysid,
      String controlState,
      String following,
      boolean accepting,
      boolean streaming) {
    this(
        dataDirEmpty,
        running,
        inRecovery,
        timeline,
        walPosition,
        sysid,
        controlState,
        following,
        accepting,
        streaming,
        null,
        0,
        java.util.List.of());
  }

  public boolean isPrimary() {
    return running && accepting && !inRecovery;
  }

  public boolean isStandby() {
    return running && accepting && inRecovery;
  }

  public static LocalPg empty() {
    return new LocalPg(true, false, false, 0, 0, null, null, null, false, false);
  }
}
