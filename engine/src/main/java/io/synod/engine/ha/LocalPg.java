package io.synod.engine.ha;

/**
 * What the decision needs to know about the local PostgreSQL, read once per loop.
 *
 * @param dataDirEmpty no cluster on disk yet (PG_VERSION missing)
 * @param walPosition on a primary the current LSN; on a standby the highest received/replayed LSN
 * @param wasPrimary pg_control says the data last ran as a primary (crashed or shut down), so a
 *     different leader means its timeline may have diverged and pg_rewind is needed
 * @param following the member name the standby configuration points at (null: none)
 * @param accepting the postmaster answers queries (false while it starts or recovers)
 */
public record LocalPg(
    boolean dataDirEmpty,
    boolean running,
    boolean inRecovery,
    long timeline,
    long walPosition,
    String sysid,
    boolean wasPrimary,
    String following,
    boolean accepting) {

  public boolean isPrimary() {
    return running && accepting && !inRecovery;
  }

  public static LocalPg empty() {
    return new LocalPg(true, false, false, 0, 0, null, false, null, false);
  }
}
