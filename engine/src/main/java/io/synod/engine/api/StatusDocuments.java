package io.synod.engine.api;

import io.synod.engine.SynodVersion;
import io.synod.engine.ha.ManualRequests;
import io.synod.engine.ha.NodeStatus;
import io.synod.engine.postgres.Lsn;
import io.synod.engine.postgres.PgState;
import io.synod.store.StoreStatus;
import io.synod.store.cluster.Cluster;
import io.synod.store.cluster.Member;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The JSON documents of the state endpoints, in Patroni's shapes: /patroni (get_postgresql_status
 * plus a "synod" section; also the body of every health check), /cluster (cluster_as_json) and
 * /raft. Built from values already read; no I/O.
 */
final class StatusDocuments {
  private final String scope;
  private final ManualRequests manual;

  /**
   * @param manual the queue of restart/reinitialize requests (for "restarting" and
   *     scheduled_restart), or null
   */
  StatusDocuments(String scope, ManualRequests manual) {
    this.scope = scope;
    this.manual = manual;
  }

  /** The node's state: the loop's, unless a manual restart or reinitialize is running. */
  String state(NodeStatus s) {
    String busy = manual == null ? null : manual.running();
    if ("restart".equals(busy)) {
      return "restarting";
    }
    if ("reinitialize".equals(busy)) {
      return "creating replica";
    }
    return s.state();
  }

  /** GET /patroni: Patroni's get_postgresql_status document, plus a "synod" section. */
  Map<String, Object> patroni(NodeView v) {
    NodeStatus s = v.status();
    PgState pg = s.pg();
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("state", v.state());
    if (pg.postmasterStartTime() != null) {
      m.put("postmaster_start_time", pg.postmasterStartTime().toString());
    }
    m.put("role", s.role());
    if (pg.serverVersion() > 0) {
      m.put("server_version", pg.serverVersion());
    }
    if (pg.running() && pg.acceptingConnections()) {
      Map<String, Object> x = new LinkedHashMap<>();
      if (pg.inRecovery()) {
        x.put("received_location", pg.receiveLsn());
        x.put("replayed_location", pg.replayLsn());
        x.put("replayed_timestamp", null);
        x.put("paused", false);
      } else {
        x.put("location", pg.currentLsn());
      }
      m.put("xlog", x);
      if (v.isSync()) {
        m.put("sync_standby", true);
      }
      if (v.isQuorum()) {
        m.put("quorum_standby", true);
      }
      m.put("timeline", pg.timeline());
      if (v.replicationState() != null) {
        m.put("replication_state", v.replicationState());
      }
    }
    List<Map<String, Object>> rep = new ArrayList<>();
    for (PgState.ReplicationRow row : pg.replication()) {
      Map<String, Object> rr = new LinkedHashMap<>();
      rr.put("application_name", row.applicationName());
      rr.put("client_addr", row.clientAddr());
      rr.put("state", row.state());
      rr.put("sync_state", row.syncState());
      rep.add(rr);
    }
    if (!rep.isEmpty()) {
      m.put("replication", rep);
    }
    m.put("cluster_unlocked", s.cluster() != null && s.cluster().isUnlocked());
    m.put("failsafe_mode_is_active", false);
    if (s.cluster() != null && s.cluster().paused()) {
      m.put("pause", true);
    }
    if (pg.pendingRestart()) {
      m.put("pending_restart", true);
    }
    ManualRequests.RestartSpec sched = manual == null ? null : manual.scheduledRestart();
    if (sched != null) {
      Map<String, Object> sr = new LinkedHashMap<>();
      sr.put("schedule", sched.schedule().toString());
      if (sched.role() != null) {
        sr.put("role", sched.role());
      }
      if (sched.postgresVersion() != null) {
        sr.put("postgres_version", sched.postgresVersion());
      }
      if (sched.pendingOnly()) {
        sr.put("restart_pending", true);
      }
      m.put("scheduled_restart", sr);
    }
    if (s.dcsLastSeen() != null) {
      m.put("dcs_last_seen", s.dcsLastSeen().getEpochSecond());
    }
    if (!v.tags().asMap().isEmpty()) {
      m.put("tags", v.tags().asMap());
    }
    if (pg.sysid() != null) {
      m.put("database_system_identifier", pg.sysid());
    }
    m.put("patroni", Map.of("version", SynodVersion.tagged(), "scope", scope, "name", s.name()));
    Map<String, Object> synod = new LinkedHashMap<>();
    synod.put("decision", s.decision() == null ? null : s.decision().reason());
    synod.put("lease_remaining_ms", s.leaseRemainingMs());
    if (s.storeError() != null) {
      synod.put("store_error", s.storeError());
    }
    if (manual != null && manual.running() != null) {
      synod.put("manual_action", manual.running());
    }
    m.put("synod", synod);
    return m;
  }

  /** GET /cluster: Patroni's cluster_as_json. */
  static Map<String, Object> cluster(Cluster c, String scope) {
    Map<String, Object> out = new LinkedHashMap<>();
    List<Map<String, Object>> members = new ArrayList<>();
    String leaderName = c.leader() == null ? null : c.leader().name();
    for (Member mem : c.members().values()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("name", mem.name());
      String sync = c.syncRole(mem.name());
      boolean witness = mem.isWitness();
      // Patroni's names: a standby cluster's lock holder is its standby_leader
      String role =
          mem.name().equals(leaderName)
              ? ("standby_leader".equals(mem.role()) ? "standby_leader" : "leader")
              : witness ? "witness" : sync != null ? sync : "replica";
      m.put("role", role);
      Object rs = mem.data().get("replication_state");
      m.put(
          "state",
          !role.equals("leader") && rs != null && !String.valueOf(rs).isEmpty() ? rs : mem.state());
      m.put("api_url", mem.apiUrl());
      try {
        URI u = URI.create(mem.connUrl());
        if (u.getHost() != null) {
          m.put("host", u.getHost());
          if (u.getPort() > 0) {
            m.put("port", u.getPort());
          }
        }
      } catch (RuntimeException e) {
        // no conn_url yet
      }
      if (witness && !m.containsKey("host")) {
        // no PostgreSQL to connect to: the host its REST API runs on, without a port
        try {
          m.put("host", URI.create(mem.apiUrl()).getHost());
        } catch (RuntimeException e) {
          // no api_url either
        }
      }
      for (String k :
          List.of(
              "timeline",
              "pending_restart",
              "pending_restart_reason",
              "scheduled_restart",
              "tags",
              "progress")) { // progress: Synod's, a copy's figures while "creating replica"
        if (mem.data().containsKey(k)) {
          m.put(k, mem.data().get(k));
        }
      }
      // lag is measured against the leader (a witness has no WAL to lag with)
      if (!role.equals("leader") && !role.equals("standby_leader") && !witness) {
        long cluster = c.optime();
        lag(m, "receive_", lsnOf(mem.data().get("receive_lsn")), cluster);
        lag(m, "replay_", lsnOf(mem.data().get("replay_lsn")), cluster);
        lag(m, "", lsnOf(mem.data().get("xlog_location")), cluster);
      }
      members.add(m);
    }
    out.put("members", members);
    if (c.paused()) {
      out.put("pause", true);
    }
    if (c.failover() != null && c.failover().scheduledAt() != null) {
      Map<String, Object> sw = new LinkedHashMap<>();
      sw.put("at", c.failover().scheduledAt().toString());
      if (c.failover().leader() != null) {
        sw.put("from", c.failover().leader());
      }
      if (c.failover().candidate() != null) {
        sw.put("to", c.failover().candidate());
      }
      out.put("scheduled_switchover", sw);
    }
    out.put("scope", scope);
    return out;
  }

  /** A witness's Raft peer in /patroni: what it knows from memory, without asking the group. */
  static Map<String, Object> raftBrief(RaftControl r) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("state", r.state());
    m.put("leader", r.leader());
    m.put("is_leader", r.isLeader());
    m.put("term", r.term());
    m.put("last_log_index", r.lastLogIndex());
    return m;
  }

  /** GET /raft: this peer's view of the Raft group. */
  static Map<String, Object> raft(String name, StoreStatus st) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", name);
    m.put("self", st.self());
    m.put("leader", st.leader());
    m.put("is_leader", st.isLeader());
    m.put("state", st.state());
    m.put("term", st.term());
    m.put("last_log_index", st.lastLogIndex());
    m.put("committed_index", st.committedIndex());
    m.put("applied_index", st.appliedIndex());
    m.put("peers", st.peers());
    if (st.isLeader()) {
      m.put("alive_peers", st.alivePeers());
    }
    return m;
  }

  private static void lag(Map<String, Object> m, String prefix, long lsn, long clusterLsn) {
    if (lsn <= 0) {
      m.put(prefix + "lsn", "unknown");
      m.put(prefix + "lag", "unknown");
    } else {
      m.put(prefix + "lsn", Lsn.format(lsn));
      m.put(prefix + "lag", clusterLsn >= lsn ? clusterLsn - lsn : 0);
    }
  }

  /** Member data holds LSNs as numbers (xlog_location) or as text (receive_lsn "0/3000060"). */
  static long lsnOf(Object v) {
    if (v instanceof Number n) {
      return n.longValue();
    }
    if (v == null) {
      return 0;
    }
    try {
      String s = v.toString();
      return s.contains("/") ? Lsn.parse(s) : Long.parseLong(s);
    } catch (RuntimeException e) {
      return 0;
    }
  }
}
