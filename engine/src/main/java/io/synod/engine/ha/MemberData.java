package io.synod.engine.ha;

import io.synod.engine.SynodVersion;
import io.synod.engine.postgres.Lsn;
import io.synod.engine.postgres.PgState;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The member key's JSON, with Patroni's field names (touch_member), so patronictl-style tools read
 * it.
 */
final class MemberData {
  static final String VERSION = SynodVersion.tagged();

  private MemberData() {}

  static Map<String, Object> build(
      NodeIdentity id, PgState pg, String role, String state, boolean paused) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("conn_url", "postgres://" + id.pgHost() + ":" + id.pgPort() + "/postgres");
    m.put("api_url", id.apiUrl());
    if (id.proxyAddress() != null) {
      m.put("proxy_url", "postgres://" + id.proxyAddress() + "/postgres"); // Patroni's field
    }
    m.put("state", state);
    m.put("role", role);
    m.put("version", VERSION);
    if (pg.running() && pg.acceptingConnections()) {
      m.put("xlog_location", pg.walPosition());
      m.put("timeline", pg.timeline());
      if (pg.inRecovery()) {
        m.put("replication_state", pg.isStreaming() ? "streaming" : "in archive recovery");
        m.put("receive_lsn", Lsn.format(pg.receiveLsn()));
        m.put("replay_lsn", Lsn.format(pg.replayLsn()));
      }
    }
    if (!pg.dataDirEmpty() && pg.sysid() != null) {
      // Synod's own field: a member with data is known before anything runs (see HaDecider).
      m.put("sysid", pg.sysid());
    }
    if (pg.pendingRestart()) {
      m.put("pending_restart", true);
    }
    if (paused) {
      m.put("pause", true);
    }
    if (!id.tags().isEmpty()) {
      m.put("tags", id.tags());
    }
    return m;
  }

  /** Patroni's state of a member whose data is being copied. */
  static final String CREATING_REPLICA = "creating replica";

  /** The leader of a standby cluster, in its member key and /patroni (Patroni's name). */
  static final String STANDBY_LEADER = "standby_leader";

  /** A witness's role, in its member key and /patroni. */
  static final String WITNESS = "witness";

  /**
   * A witness's key: no conn_url, WAL or timeline (it has no database); state "running" says its
   * Raft peer and REST API run, role "witness" keeps it out of every candidate list.
   */
  static Map<String, Object> witness(NodeIdentity id, boolean paused) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("api_url", id.apiUrl());
    m.put("state", "running");
    m.put("role", WITNESS);
    m.put("version", VERSION);
    if (paused) {
      m.put("pause", true);
    }
    if (!id.tags().isEmpty()) {
      m.put("tags", id.tags());
    }
    return m;
  }

  /** Patroni's role names: primary, replica, uninitialized. */
  static String role(PgState pg) {
    if (pg.dataDirEmpty() || !pg.dataDirExists()) {
      return "uninitialized";
    }
    return pg.isPrimary() ? "primary" : "replica";
  }

  /** Patroni's state names: running, starting, stopped, crashed. */
  static String state(PgState pg, boolean crashed) {
    if (pg.running()) {
      return pg.acceptingConnections() ? "running" : "starting";
    }
    return crashed ? "crashed" : "stopped";
  }
}
