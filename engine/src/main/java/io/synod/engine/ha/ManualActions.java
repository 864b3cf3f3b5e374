package io.synod.engine.ha;

import io.synod.engine.postgres.PgControl;
import io.synod.engine.postgres.PgException;
import io.synod.engine.postgres.PgState;
import io.synod.engine.postgres.StopMode;
import io.synod.store.ReadMode;
import io.synod.store.StoreException;
import io.synod.store.cluster.Cluster;
import io.synod.store.cluster.ClusterStore;
import io.synod.store.cluster.Member;
import java.net.URI;
import java.time.Duration;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Restart, reinitialize and reload as Patroni's ha.py does them, run by {@link ManualRequests} on
 * the HA loop's thread. A leader keeps its lock while PostgreSQL restarts ({@link Leadership}
 * renews it for the bounded time the restart may take), so a planned restart is not a failover.
 */
public final class ManualActions implements ManualRequests.Worker {
  private static final Logger LOG = LoggerFactory.getLogger("io.synod.ha");

  private final NodeIdentity id;
  private final ClusterStore store;
  private final PgControl pg;
  private final HaActions actions;
  private final Supplier<HaSettings> settings;
  private final Runnable reloadConfig;

  /**
   * @param reloadConfig re-reads the node's YAML and applies what can change at runtime (PostgreSQL
   *     parameters, pg_hba, REST API access); then PostgreSQL is reloaded here
   */
  public ManualActions(
      NodeIdentity id,
      ClusterStore store,
      PgControl pg,
      HaActions actions,
      HaLoop loop,
      Runnable reloadConfig) {
    this.id = id;
    this.store = store;
    this.pg = pg;
    this.actions = actions;
    this.settings = loop::settings;
    this.reloadConfig = reloadConfig;
  }

  /** A copy or a rewind running beside the loop owns the data directory until it ends. */
  private ManualRequests.Outcome busy(String what) {
    String bg = actions.backgroundAction();
    return bg == null
        ? null
        : new ManualRequests.Outcome(
            false, "not " + what + ": " + bg + " is still running; try again when it ends");
  }

  @Override
  public ManualRequests.Outcome restart(ManualRequests.RestartSpec spec) {
    ManualRequests.Outcome busy = busy("restarting");
    if (busy != null) {
      return busy;
    }
    PgState st = pg.state();
    String role = st.running() && !st.inRecovery() ? "primary" : "replica";
    String mismatch = null;
    if (spec.role() != null && !spec.role().equals(role)) {
      mismatch = "host role mismatch (" + role + ", not " + spec.role() + ")";
    } else if (spec.postgresVersion() != null && spec.postgresVersion() <= st.serverVersion()) {
      mismatch =
          "postgres version mismatch ("
              + st.serverVersion()
              + " is not older than "
              + spec.postgresVersion()
              + ")";
    } else if (spec.pendingOnly() && !st.pendingRestart()) {
      mismatch = "pending restart flag is not set";
    }
    if (mismatch != null) {
      LOG.info("not restarting: {}", mismatch);
      return new ManualRequests.Outcome(false, "restart conditions are not satisfied");
    }
    HaSettings s = settings.get();
    Duration timeout =
        spec.timeout() != null
            ? spec.timeout()
            : s.primaryStartTimeout().isZero() ? Duration.ofSeconds(60) : s.primaryStartTimeout();
    boolean leader = actions.leadership().valid();
    if (leader) {
      // The lease keeper renews the lock while the loop thread is busy here: a stop (bounded by
      // pg_ctl_timeout) plus a start (bounded by the timeout). A planned restart is no failover.
      actions.leadership().busyFor(timeout.plus(pg.pgCtlTimeout()).toMillis());
    }
    LOG.info(
        "restarting PostgreSQL ({}) on request{}",
        role,
        leader ? "; the leader lock is renewed meanwhile" : "");
    try {
      boolean ok = st.running() ? pg.restart(timeout) : pg.start(timeout);
      pg.runCallback("on_restart", role);
      return ok
          ? new ManualRequests.Outcome(true, "restarted successfully")
          : new ManualRequests.Outcome(false, "postgres is still starting");
    } catch (PgException e) {
      LOG.error("restart failed: {}", e.getMessage());
      return new ManualRequests.Outcome(false, "restart failed: " + e.getMessage());
    }
  }

  @Override
  public ManualRequests.Outcome reinitialize(boolean fromLeader, Runnable started) {
    ManualRequests.Outcome busy = busy("reinitializing");
    if (busy != null) {
      return busy;
    }
    Cluster c;
    try {
      c = store.load(ReadMode.LINEARIZABLE);
    } catch (StoreException e) {
      return new ManualRequests.Outcome(
          false, "cannot read the cluster from the store: " + e.getMessage());
    }
    if (c.isUnlocked()) {
      return new ManualRequests.Outcome(false, "Cluster has no leader, can not reinitialize");
    }
    if (c.leader().name().equals(id.name()) || actions.leadership().valid()) {
      return new ManualRequests.Outcome(false, "I am the leader, can not reinitialize");
    }
    if (pg.state().isPrimary()) {
      return new ManualRequests.Outcome(
          false, "PostgreSQL runs as a primary here; not wiping it (demote it first)");
    }
    Member leader = c.leaderMember();
    Member source = fromLeader ? leader : actions.cloneSource(c, leader.name());
    if (source == null || source.connUrl() == null || leader == null || leader.connUrl() == null) {
      return new ManualRequests.Outcome(false, "no running member to clone from");
    }
    LOG.warn("reinitializing on request: stopping PostgreSQL and removing its data directory");
    if (pg.isRunning()) {
      pg.stop(StopMode.IMMEDIATE, pg.pgCtlTimeout());
    }
    pg.removeDataDirectory();
    actions.clearRewindFailed();
    started.run();
    String from = (source == leader ? "leader" : "replica") + " '" + source.name() + "'";
    URI u = URI.create(source.connUrl());
    pg.createReplica(u.getHost(), u.getPort());
    URI l = URI.create(leader.connUrl());
    pg.configureAsReplica(l.getHost(), l.getPort(), leader.name());
    boolean ok = pg.start(pg.pgCtlTimeout());
    if (ok) {
      pg.runCallback("on_start", "replica");
    }
    return new ManualRequests.Outcome(
        ok,
        ok
            ? "reinitialized from " + from
            : "cloned from " + from + " but PostgreSQL did not start; see " + pg.logFile());
  }

  @Override
  public void reload() {
    reloadConfig.run();
    if (pg.isRunning()) {
      pg.writeConfig();
      pg.reload();
      pg.runCallback("on_reload", pg.state().isPrimary() ? "primary" : "replica");
    }
    LOG.info("reloaded the configuration on request");
  }
}
