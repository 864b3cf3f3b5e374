package io.synod.engine.api;

import io.synod.engine.ha.NodeStatus;
import io.synod.engine.postgres.PgState;
import java.util.Locale;
import java.util.Map;

/**
 * GET /metrics: Prometheus text format with Patroni's metric names and labels ({scope, name}), plus
 * Synod's own: Raft term, Raft leadership and the leader lease left.
 */
final class Metrics {
  private final StringBuilder out = new StringBuilder();
  private final String labels;

  private Metrics(String scope, String name) {
    labels = "{scope=\"" + escape(scope) + "\",name=\"" + escape(name) + "\"}";
  }

  /**
   * @param doc the /patroni document of the same status (state, role, xlog, ...)
   * @param raft null when the node has no Raft view (tests)
   */
  static String render(
      String scope,
      NodeStatus s,
      Map<String, Object> doc,
      boolean syncStandby,
      boolean quorumStandby,
      int failoverPriority,
      boolean failsafeEnabled,
      RaftControl raft) {
    Metrics m = new Metrics(scope, s.name());
    PgState pg = s.pg();
    // a witness's "running" is its Raft peer's: it has no Postgres
    boolean running = "running".equals(doc.get("state")) && !"witness".equals(doc.get("role"));
    m.gauge(
        "patroni_version",
        "Patroni semver without periods.",
        40104); // the Patroni API level Synod follows: 4.1.4
    m.gauge(
        "patroni_postgres_running",
        "Value is 1 if Postgres is running, 0 otherwise.",
        running ? 1 : 0);
    m.gauge(
        "patroni_postmaster_start_time",
        "Epoch seconds since Postgres started.",
        pg.postmasterStartTime() == null ? 0 : pg.postmasterStartTime().toEpochMilli() / 1000.0);
    boolean primary = "primary".equals(doc.get("role"));
    m.gauge(
        "patroni_primary", "Value is 1 if this node is the leader, 0 otherwise.", primary ? 1 : 0);
    m.counter(
        "patroni_xlog_location",
        "Current location of the Postgres transaction log, 0 if this node is not the leader.",
        primary && pg.running() ? pg.currentLsn() : 0);
    m.gauge(
        "patroni_standby_leader", "Value is 1 if this node is the standby_leader, 0 otherwise.", 0);
    m.gauge(
        "patroni_replica",
        "Value is 1 if this node is a replica, 0 otherwise.",
        "replica".equals(doc.get("role")) ? 1 : 0);
    m.gauge(
        "patroni_sync_standby",
        "Value is 1 if this node is a sync standby, 0 otherwise.",
        syncStandby ? 1 : 0);
    m.gauge(
        "patroni_quorum_standby",
        "Value is 1 if this node is a quorum standby, 0 otherwise.",
        quorumStandby ? 1 : 0);
    m.counter(
        "patroni_xlog_received_location",
        "Current location of the received Postgres transaction log, 0 if this node is not a replica.",
        pg.inRecovery() ? pg.receiveLsn() : 0);
    m.counter(
        "patroni_xlog_replayed_location",
        "Current location of the replayed Postgres transaction log, 0 if this node is not a replica.",
        pg.inRecovery() ? pg.replayLsn() : 0);
    m.gauge(
        "patroni_xlog_replayed_timestamp",
        "Current timestamp of the replayed Postgres transaction log, 0 if null.",
        0);
    m.gauge("patroni_xlog_paused", "Value is 1 if the Postgres xlog is paused, 0 otherwise.", 0);
    m.gauge(
        "patroni_postgres_streaming",
        "Value is 1 if Postgres is streaming, 0 otherwise.",
        pg.isStreaming() ? 1 : 0);
    m.gauge(
        "patroni_postgres_in_archive_recovery",
        "Value is 1 if Postgres is replicating from archive, 0 otherwise.",
        0);
    m.gauge(
        "patroni_postgres_server_version",
        "Version of Postgres (if running), 0 otherwise.",
        running ? pg.serverVersion() : 0);
    m.gauge(
        "patroni_cluster_unlocked",
        "Value is 1 if the cluster is unlocked, 0 if locked.",
        Boolean.TRUE.equals(doc.get("cluster_unlocked")) ? 1 : 0);
    // failsafe_mode in Synod: inherent, never "active" (the store is the members' Raft group; it
    // is lost only with a majority of them, when Patroni's failsafe would demote as well). A node
    // is a failsafe member when failsafe_mode is on and it has a member key (GET /failsafe).
    m.gauge(
        "patroni_failsafe_mode_is_active",
        "Value is 1 if failsafe mode is active, 0 if inactive.",
        0);
    m.gauge(
        "patroni_failsafe_mode_enabled",
        "Value is 1 if failsafe_mode is enabled, 0 otherwise.",
        failsafeEnabled ? 1 : 0);
    m.gauge(
        "patroni_failsafe_member",
        "Value is 1 if this node is a member of failsafe, 0 otherwise.",
        failsafeEnabled && s.cluster() != null && s.cluster().members().containsKey(s.name())
            ? 1
            : 0);
    Object tl = doc.get("timeline");
    m.gauge(
        "patroni_postgres_timeline",
        "Postgres timeline of this node (if running), 0 otherwise.",
        tl instanceof Number n ? n.doubleValue() : 0);
    m.gauge(
        "patroni_dcs_last_seen",
        "Epoch timestamp when DCS was last contacted successfully by Patroni.",
        s.dcsLastSeen() == null ? 0 : s.dcsLastSeen().getEpochSecond());
    m.gauge(
        "patroni_pending_restart",
        "Value is 1 if the node needs a restart, 0 otherwise.",
        pg.pendingRestart() ? 1 : 0);
    m.gauge(
        "patroni_is_paused",
        "Value is 1 if auto failover is disabled, 0 otherwise.",
        Boolean.TRUE.equals(doc.get("pause")) ? 1 : 0);
    m.out.append("# HELP patroni_postgres_state Numeric representation of Postgres state.\n");
    m.out.append("# Values: ").append(String.join(", ", STATES)).append('\n');
    m.out.append("# TYPE patroni_postgres_state gauge\n");
    m.sample("patroni_postgres_state", stateIndex(String.valueOf(doc.get("state"))));
    m.gauge("patroni_failover_priority", "Failover priority of this node.", failoverPriority);
    // Synod's own
    if (raft != null) {
      m.gauge("synod_raft_term", "Current term of this node's Raft peer.", raft.term());
      m.gauge(
          "synod_raft_leader",
          "Value is 1 if this node's Raft peer is the Raft leader, 0 otherwise.",
          raft.isLeader() ? 1 : 0);
      m.gauge(
          "synod_store_watches",
          "Store watches waiting for a change on this node (stays flat while idle).",
          raft.watching());
      m.gauge(
          "synod_raft_last_log_index",
          "Index of the last entry in this node's Raft log (its growth while idle is the store's"
              + " write rate).",
          raft.lastLogIndex());
    }
    m.gauge(
        "synod_lease_remaining_seconds",
        "Seconds left on the leader lease this node holds (as of the last HA loop), 0 when it holds none.",
        s.leaseHeld() ? s.leaseRemainingMs() / 1000.0 : 0);
    m.counter(
        "synod_lease_renewals_total",
        "Renewals of the leader lock this node held, since the engine started.",
        s.leaseCounts().renewals());
    m.counter(
        "synod_lease_renewals_late_total",
        "Renewals that landed with under a quarter of the lease left (near misses: a slower host"
            + " would have lost the lock).",
        s.leaseCounts().late());
    m.gauge(
        "synod_ha_loop_last_run_seconds",
        "Epoch seconds when the HA loop last finished.",
        s.lastLoop() == null ? 0 : s.lastLoop().toEpochMilli() / 1000.0);
    return m.out.toString();
  }

  /**
   * Synod's failover figures from this node's HA events: promotions of this node since it started,
   * and the last one's time from the lock seen free to primary (docs/ui.md).
   */
  static String events(String scope, String name, long promotions, long lastRecoveryMs) {
    Metrics m = new Metrics(scope, name);
    m.counter(
        "synod_promotions_total",
        "Promotions of this node to primary (failovers and switchovers) since it started.",
        promotions);
    m.gauge(
        "synod_last_failover_seconds",
        "Seconds from the leader lock seen free to this node promoted, for its last promotion"
            + " (-1: none measured).",
        lastRecoveryMs < 0 ? -1 : lastRecoveryMs / 1000.0);
    return m.out.toString();
  }

  /** Patroni 4.1's PostgresqlState order (patroni_postgres_state values). */
  static final String[] STATES = {
    "0=initdb",
    "1=initdb_failed",
    "2=custom_bootstrap",
    "3=custom_bootstrap_failed",
    "4=creating_replica",
    "5=running",
    "6=starting",
    "7=bootstrap_starting",
    "8=start_failed",
    "9=restarting",
    "10=restart_failed",
    "11=stopping",
    "12=stopped",
    "13=stop_failed",
    "14=crashed"
  };

  static int stateIndex(String state) {
    String want = state.replace(' ', '_');
    for (String s : STATES) {
      int eq = s.indexOf('=');
      if (s.substring(eq + 1).equals(want)) {
        return Integer.parseInt(s.substring(0, eq));
      }
    }
    return -1;
  }

  private void gauge(String name, String help, double value) {
    header(name, help, "gauge");
    sample(name, value);
  }

  private void counter(String name, String help, long value) {
    header(name, help, "counter");
    out.append(name).append(labels).append(' ').append(Long.toUnsignedString(value)).append('\n');
  }

  private void header(String name, String help, String type) {
    out.append("# HELP ").append(name).append(' ').append(help).append('\n');
    out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
  }

  private void sample(String name, double value) {
    out.append(name).append(labels).append(' ').append(format(value)).append('\n');
  }

  static String format(double v) {
    if (v == Math.rint(v) && Math.abs(v) < 1e15) {
      return Long.toString((long) v);
    }
    return String.format(Locale.ROOT, "%.3f", v);
  }

  private static String escape(String s) {
    return s == null ? "" : s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
  }
}
