package io.synod.engine.postgres;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Builds a {@link PgState}: process table and pg_control when stopped, a short JDBC session when
 * running.
 */
final class StateReader {
  /** Bounds the whole snapshot so a hung server can't stall the HA loop. */
  static final Duration SOCKET_TIMEOUT = Duration.ofSeconds(5);

  static final Duration CONTROLDATA_TIMEOUT = Duration.ofSeconds(10);

  private StateReader() {}

  static PgState read(Postgres pg) {
    Path dir = pg.settings().dataDir();
    boolean exists = false;
    boolean empty = true;
    try {
      exists = Files.isDirectory(dir);
      empty = PgFiles.isMissingOrEmpty(dir);
      Optional<Long> pid = Postmaster.livePid(dir);
      if (pid.isEmpty()) {
        return stopped(pg, exists, empty);
      }
      return running(pg, exists, empty, pid.get());
    } catch (Exception e) {
      return notRunning(exists, empty, 0, null, null, "cannot read state: " + e);
    }
  }

  private static PgState stopped(Postgres pg, boolean exists, boolean empty) {
    if (!exists || empty || !Files.exists(pg.settings().dataDir().resolve("global/pg_control"))) {
      return notRunning(exists, empty, 0, null, null, "not running");
    }
    String error = "not running";
    String sysid = null;
    String clusterState = null;
    int timeline = 0;
    try {
      Map<String, String> cd = pg.controlData(CONTROLDATA_TIMEOUT);
      sysid = cd.get(ControlData.SYSTEM_IDENTIFIER);
      clusterState = cd.get(ControlData.CLUSTER_STATE);
      timeline = parseInt(cd.get(ControlData.TIMELINE));
    } catch (RuntimeException e) {
      error = "not running; " + e.getMessage();
    }
    return notRunning(true, false, timeline, sysid, clusterState, error);
  }

  /** A PostgreSQL that is not running (or whose state could not be read): only pg_control facts. */
  private static PgState notRunning(
      boolean exists,
      boolean empty,
      int timeline,
      String sysid,
      String clusterState,
      String error) {
    return new PgState(
        exists,
        empty,
        false,
        0,
        false,
        false,
        timeline,
        0,
        0,
        0,
        null,
        List.of(),
        sysid,
        0,
        null,
        false,
        clusterState,
        error);
  }

  private static PgState running(Postgres pg, boolean exists, boolean empty, long pid) {
    try {
      return pg.withSharedConnection(SOCKET_TIMEOUT, c -> query(pg, c, exists, empty, pid));
    } catch (SQLException | RuntimeException e) {
      return notAccepting(pg, exists, empty, pid, e);
    }
  }

  private static PgState query(Postgres pg, Connection c, boolean exists, boolean empty, long pid)
      throws SQLException {
    try (Statement st = c.createStatement()) {
      boolean inRecovery;
      int version;
      Instant started;
      String sysid;
      boolean pendingRestart;
      try (ResultSet rs =
          st.executeQuery(
              "SELECT pg_is_in_recovery(), current_setting('server_version_num')::int,"
                  + " pg_postmaster_start_time(), (SELECT system_identifier::text FROM pg_control_system()),"
                  + " EXISTS (SELECT 1 FROM pg_settings WHERE pending_restart)")) {
        rs.next();
        inRecovery = rs.getBoolean(1);
        version = rs.getInt(2);
        OffsetDateTime t = rs.getObject(3, OffsetDateTime.class);
        started = t == null ? null : t.toInstant();
        sysid = rs.getString(4);
        pendingRestart = rs.getBoolean(5);
      }
      long current = 0;
      long receive = 0;
      long replay = 0;
      int timeline = 0;
      PgState.WalReceiver receiver = null;
      if (!inRecovery) {
        // the WAL file name of the insert position starts with the current timeline in hex
        try (ResultSet rs =
            st.executeQuery(
                "SELECT pg_current_wal_lsn()::text,"
                    + " ('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::int")) {
          rs.next();
          current = Lsn.parse(rs.getString(1));
          timeline = rs.getInt(2);
        }
      } else {
        try (ResultSet rs =
            st.executeQuery(
                "SELECT pg_last_wal_receive_lsn()::text,"
                    + " pg_last_wal_replay_lsn()::text, (SELECT timeline_id FROM pg_control_checkpoint())")) {
          rs.next();
          receive = Lsn.parse(rs.getString(1));
          replay = Lsn.parse(rs.getString(2));
          timeline = rs.getInt(3);
        }
        try (ResultSet rs =
            st.executeQuery(
                "SELECT status, sender_host, sender_port, received_tli,"
                    + " slot_name, flushed_lsn::text FROM pg_stat_wal_receiver")) {
          if (rs.next()) {
            receiver =
                new PgState.WalReceiver(
                    rs.getString(1),
                    rs.getString(2),
                    rs.getInt(3),
                    rs.getInt(4),
                    rs.getString(5),
                    Lsn.parse(rs.getString(6)));
            if (receiver.receivedTli() > timeline) {
              timeline = receiver.receivedTli();
            }
          }
        }
        timeline = pg.standbyTimeline(started, timeline);
      }
      List<PgState.ReplicationRow> rows = new ArrayList<>();
      try (ResultSet rs =
          st.executeQuery(
              "SELECT application_name, client_addr::text, state, sync_state,"
                  + " sent_lsn::text, write_lsn::text, flush_lsn::text, replay_lsn::text,"
                  + " COALESCE((EXTRACT(EPOCH FROM now() - reply_time) * 1000)::bigint, -1)"
                  + " FROM pg_stat_replication"
                  + " ORDER BY application_name")) {
        while (rs.next()) {
          rows.add(
              new PgState.ReplicationRow(
                  rs.getString(1),
                  rs.getString(2),
                  rs.getString(3),
                  rs.getString(4),
                  Lsn.parse(rs.getString(5)),
                  Lsn.parse(rs.getString(6)),
                  Lsn.parse(rs.getString(7)),
                  Lsn.parse(rs.getString(8)),
                  rs.getLong(9)));
        }
      }
      return new PgState(
          exists,
          empty,
          true,
          pid,
          true,
          inRecovery,
          timeline,
          current,
          receive,
          replay,
          receiver,
          rows,
          sysid,
          version,
          started,
          pendingRestart,
          null,
          null);
    }
  }

  private static PgState notAccepting(
      Postgres pg, boolean exists, boolean empty, long pid, Exception e) {
    // starting up, shutting down, or unreachable: running but not accepting connections; pg_control
    // still
    // tells the role (e.g. a replica that has not reached consistency) and identity
    String clusterState = null;
    String sysid = null;
    int timeline = 0;
    try {
      Map<String, String> cd = pg.controlData(CONTROLDATA_TIMEOUT);
      clusterState = cd.get(ControlData.CLUSTER_STATE);
      sysid = cd.get(ControlData.SYSTEM_IDENTIFIER);
      timeline = parseInt(cd.get(ControlData.TIMELINE));
    } catch (RuntimeException ignored) {
      // keep the connection error
    }
    boolean inRecovery =
        clusterState != null && clusterState.startsWith("in ") && clusterState.endsWith("recovery");
    return new PgState(
        exists,
        empty,
        true,
        pid,
        false,
        inRecovery,
        timeline,
        0,
        0,
        0,
        null,
        List.of(),
        sysid,
        0,
        null,
        false,
        clusterState,
        e.getMessage());
  }

  private static int parseInt(String s) {
    try {
      return s == null ? 0 : Integer.parseInt(s.trim());
    } catch (NumberFormatException e) {
      return 0;
    }
  }
}
