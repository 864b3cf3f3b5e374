package io.synod.engine.postgres;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Text of the files Synod owns in the data directory, generated from {@link PgSettings} (pure
 * functions; the writing happens in {@link Postgres#writeConfig}).
 *
 * <p>postgresql.conf includes initdb's original (kept as postgresql.base.conf) first, so everything
 * after the include wins: Patroni's layout.
 */
final class ConfigFiles {
  static final String HEADER =
      "# managed by Synod; edit the YAML instead: this file is regenerated on every change.\n";
  static final String BASE_CONF = "postgresql.base.conf";

  /**
   * Settings only Synod may set: identity of the node and its replication source. User values are
   * ignored.
   */
  static final Set<String> OWNED =
      Set.of(
          "listen_addresses",
          "port",
          "cluster_name",
          "hot_standby",
          "primary_conninfo",
          "primary_slot_name",
          "recovery_target_timeline",
          "standby_mode",
          "config_file",
          "data_directory",
          "hba_file",
          "ident_file",
          "include",
          "include_dir",
          "include_if_exists");

  /**
   * Recovery settings removed from postgresql.auto.conf so ALTER SYSTEM (or a copied leader) can't
   * override us.
   */
  static final Set<String> RECOVERY_KEYS =
      Set.of(
          "primary_conninfo",
          "primary_slot_name",
          "standby_mode",
          "recovery_target_timeline",
          "recovery_target",
          "recovery_target_lsn",
          "recovery_target_name",
          "recovery_target_time",
          "recovery_target_xid",
          "recovery_target_action",
          "recovery_target_inclusive",
          "promote_trigger_file",
          "trigger_file");

  private ConfigFiles() {}

  /** Defaults for replication and pg_rewind; user parameters may override them. */
  static Map<String, String> defaults(String socketDir) {
    Map<String, String> d = new TreeMap<>();
    d.put("wal_level", "replica");
    d.put("max_wal_senders", "10");
    d.put("max_replication_slots", "10");
    d.put("wal_keep_size", "128MB");
    d.put("wal_log_hints", "on"); // pg_rewind needs hint bits WAL-logged (or data checksums)
    d.put("unix_socket_directories", socketDir);
    return d;
  }

  static final String SYNC_HEADER =
      "# synchronous replication, managed by Synod (synchronous_mode)";

  /**
   * The synchronous_standby_names Synod last wrote into postgresql.conf (in config_dir, default
   * PGDATA), or null.
   */
  static SyncStandbyNames managedSyncNames(Path configDir) {
    Path conf = configDir.resolve("postgresql.conf");
    try {
      if (!Files.exists(conf)) {
        return null;
      }
      List<String> lines = Files.readAllLines(conf, StandardCharsets.UTF_8);
      int h = lines.indexOf(SYNC_HEADER);
      if (h < 0 || h + 1 >= lines.size()) {
        return null;
      }
      String line = lines.get(h + 1).strip();
      int eq = line.indexOf('=');
      if (eq < 0 || !line.substring(0, eq).strip().equals("synchronous_standby_names")) {
        return null;
      }
      String v = line.substring(eq + 1).strip();
      if (v.startsWith("'") && v.endsWith("'") && v.length() >= 2) {
        v = v.substring(1, v.length() - 1).replace("''", "'").replace("\\\\", "\\");
      }
      return SyncStandbyNames.parse(v);
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  static String postgresqlConf(PgSettings s, String socketDir, ReplicaTarget target) {
    return postgresqlConf(s, socketDir, target, false, null, null);
  }

  /**
   * @param standby whether the node is a standby (standby.signal) with or without a source: the
   *     recovery_conf settings are written for every standby
   * @param syncNames synchronous_standby_names as the HA loop manages it in synchronous mode; null
   *     when Synod does not manage it (the configured parameter, if any, applies)
   * @param passfile the pgpass file primary_conninfo names instead of carrying the replication
   *     password (PostgreSQL logs primary_conninfo's value whenever it changes); see {@link
   *     #pgpass}
   */
  static String postgresqlConf(
      PgSettings s,
      String socketDir,
      ReplicaTarget target,
      boolean standby,
      String syncNames,
      Path passfile) {
    return postgresqlConf(s, socketDir, target, standby, syncNames, passfile, null);
  }

  /**
   * @param bootstrapRecovery a custom bootstrap method's recovery_conf while the restored cluster
   *     recovers (PostgreSQL 12+ settings beside recovery.signal); null otherwise
   */
  static String postgresqlConf(
      PgSettings s,
      String socketDir,
      ReplicaTarget target,
      boolean standby,
      String syncNames,
      Path passfile,
      Map<String, String> bootstrapRecovery) {
    StringBuilder b = new StringBuilder(HEADER);
    if (s.options().customConf() != null) {
      b.append("# postgresql.custom_conf, overridden by everything below.\n");
      b.append("include ").append(quote(s.options().customConf().toString())).append("\n\n");
    } else {
      b.append("# initdb's original settings, overridden by everything below.\n");
      b.append("include '").append(BASE_CONF).append("'\n\n");
    }
    b.append("# node identity (from the Synod configuration)\n");
    if (!s.configDir().equals(s.dataDir())) {
      // postgresql.config_dir: the server is started with this file; it finds the rest from here
      setting(b, "data_directory", s.dataDir().toString());
      setting(b, "hba_file", s.configDir().resolve("pg_hba.conf").toString());
      setting(b, "ident_file", s.configDir().resolve("pg_ident.conf").toString());
    }
    setting(b, "listen_addresses", s.listenHost());
    setting(b, "port", Integer.toString(s.port()));
    if (s.clusterName() != null) {
      setting(b, "cluster_name", s.clusterName());
    }
    setting(b, "hot_standby", "on");

    Map<String, String> params = defaults(socketDir);
    s.parameters()
        .forEach(
            (k, v) -> {
              String key = k.trim().toLowerCase(Locale.ROOT);
              if (v == null) {
                params.remove(key);
              } else if (!ignored(key, v)) {
                params.put(key, v);
              }
            });
    if (syncNames != null) {
      params.remove("synchronous_standby_names");
    }
    b.append("\n# parameters (Synod defaults overlaid with postgresql.parameters)\n");
    params.forEach((k, v) -> setting(b, k, v));
    if (syncNames != null) {
      b.append("\n").append(SYNC_HEADER).append("\n");
      setting(b, "synchronous_standby_names", syncNames);
    }

    if (target != null) {
      String source =
          target.leaderName() != null
              ? target.leaderName().replaceAll("[\\r\\n]", " ")
              : "the leader";
      if (target.remote() != null) {
        // the standby leader of a standby cluster: the remote's slot and recovery settings
        b.append("\n# standby leader settings: this node replicates from ")
            .append(source)
            .append(" (standby_cluster)\n");
        if (target.host() != null) {
          setting(b, "primary_conninfo", primaryConninfo(s, target, passfile));
        }
        if (target.remote().primarySlotName() != null) {
          setting(b, "primary_slot_name", target.remote().primarySlotName());
        }
      } else if (s.options().noStream()) {
        // tags.nostream: WAL only from restore_command (postgresql.recovery_conf / parameters)
        b.append("\n# standby settings: this node follows ")
            .append(source)
            .append(" from the WAL archive only (tags.nostream)\n");
      } else {
        b.append("\n# standby settings: this node replicates from ").append(source).append("\n");
        setting(b, "primary_conninfo", primaryConninfo(s, target, passfile));
        if (s.useSlots()) {
          setting(b, "primary_slot_name", Slots.slotNameFor(s.name()));
        }
      }
      setting(b, "recovery_target_timeline", "latest");
    }
    if (target != null || standby) {
      Map<String, String> extra = new TreeMap<>();
      s.options()
          .recoveryConf()
          .forEach(
              (k, v) -> {
                String key = k.trim().toLowerCase(Locale.ROOT);
                if (!SYNOD_RECOVERY.contains(key) && !OWNED.contains(key) && v != null) {
                  extra.put(key, v);
                }
              });
      if (target != null && target.remote() != null) {
        extra.keySet().removeAll(target.remote().recovery().keySet()); // the remote's win
      }
      if (!extra.isEmpty()) {
        b.append("\n# postgresql.recovery_conf\n");
        extra.forEach((k, v) -> setting(b, k, v));
      }
      if (target != null && target.remote() != null && !target.remote().recovery().isEmpty()) {
        b.append("\n# standby_cluster recovery settings\n");
        new TreeMap<>(target.remote().recovery()).forEach((k, v) -> setting(b, k, v));
      }
    }
    if (bootstrapRecovery != null && !bootstrapRecovery.isEmpty()) {
      b.append(
          "\n# the custom bootstrap method's recovery_conf, until the restored cluster is promoted\n");
      bootstrapRecovery.forEach((k, v) -> setting(b, k, v));
    }
    return b.toString();
  }

  /**
   * A custom bootstrap method's recovery_conf as settings: the node's identity (listen_addresses,
   * port, includes...) stays Synod's, standby_mode is dropped (recovery.signal is written, so the
   * restored cluster ends its recovery and is promoted); recovery_target_timeline and the other
   * recovery settings are the method's.
   */
  static Map<String, String> bootstrapRecoverySettings(Map<?, ?> recoveryConf) {
    Map<String, String> out = new TreeMap<>();
    if (recoveryConf == null) {
      return out;
    }
    recoveryConf.forEach(
        (k, v) -> {
          String key = String.valueOf(k).trim().toLowerCase(Locale.ROOT);
          boolean identity = OWNED.contains(key) && !RECOVERY_KEYS.contains(key);
          if (v != null && !identity && !key.equals("standby_mode")) {
            out.put(key, v instanceof Boolean bool ? (bool ? "on" : "off") : String.valueOf(v));
          }
        });
    return out;
  }

  /** The standby settings Synod writes itself; recovery_conf cannot override them. */
  static final Set<String> SYNOD_RECOVERY =
      Set.of("primary_conninfo", "primary_slot_name", "recovery_target_timeline", "standby_mode");

  /** pg_ident.conf from the configured lines. */
  static String pgIdent(PgSettings s) {
    StringBuilder b = new StringBuilder(HEADER);
    for (String line : s.options().pgIdent()) {
      b.append(line.replaceAll("[\\r\\n]", " ").strip()).append('\n');
    }
    return b.toString();
  }

  private static boolean ignored(String key, String value) {
    return OWNED.contains(key)
        || (key.equals("wal_level") && value.trim().equalsIgnoreCase("minimal"));
  }

  /**
   * Why configured parameters are not written as given (logged once per settings change, not per
   * write).
   */
  static List<String> ignoredParameters(PgSettings s) {
    List<String> out = new ArrayList<>();
    s.parameters()
        .forEach(
            (k, v) -> {
              String key = k.trim().toLowerCase(Locale.ROOT);
              if (v != null && OWNED.contains(key)) {
                out.add("ignoring parameter " + key + ": Synod sets it itself");
              } else if (v != null && ignored(key, v)) {
                out.add("ignoring wal_level=minimal: replication needs at least replica");
              }
            });
    return out;
  }

  static String primaryConninfo(PgSettings s, ReplicaTarget t, Path passfile) {
    Map<String, String> c = new LinkedHashMap<>();
    c.put("host", t.host());
    c.put("port", Integer.toString(t.port()));
    c.put("user", s.replication().username());
    if (s.options().pgpass() != null) {
      // postgresql.pgpass: the walreceiver reads the password there, not from postgresql.conf
      c.put("passfile", s.options().pgpass().toString());
    } else if (s.replication().hasPassword()) {
      if (passfile != null) {
        c.put("passfile", passfile.toString());
      } else {
        c.put("password", s.replication().password());
      }
    }
    c.put("application_name", s.name());
    c.put("connect_timeout", "5");
    c.putAll(Libpq.params(s.replication(), s.options().majorVersion()));
    return conninfo(c);
  }

  /**
   * The pgpass file for the replication role (any host, port and database): {@code
   * *:*:*:user:password}, with {@code :} and {@code \} escaped as libpq reads them.
   */
  static String pgpass(PgSettings.Credentials c) {
    return "*:*:*:" + pgpassEscape(c.username()) + ":" + pgpassEscape(c.password()) + "\n";
  }

  private static String pgpassEscape(String v) {
    return v.replace("\\", "\\\\").replace(":", "\\:");
  }

  /** libpq key=value connection string with values quoted when needed. */
  static String conninfo(Map<String, String> params) {
    StringBuilder b = new StringBuilder();
    params.forEach(
        (k, v) -> {
          if (b.length() > 0) {
            b.append(' ');
          }
          b.append(k).append('=');
          if (!v.isEmpty()
              && v.chars()
                  .allMatch(ch -> Character.isLetterOrDigit(ch) || "._-/:".indexOf(ch) >= 0)) {
            b.append(v);
          } else {
            b.append('\'').append(v.replace("\\", "\\\\").replace("'", "\\'")).append('\'');
          }
        });
    return b.toString();
  }

  /**
   * pg_hba.conf: Synod's own lines first (so a configured line can never lock the engine or
   * replication out of the local server), then the configured lines. Password methods are
   * scram-sha-256; a role without a password gets trust, which is only acceptable for development.
   * The local socket lives in a 0700 postgres-owned directory.
   */
  static String pgHba(PgSettings s) {
    StringBuilder b = new StringBuilder(HEADER);
    PgSettings.Credentials su = s.superuser();
    String local = su.hasPassword() ? "scram-sha-256" : "trust";
    b.append("# local socket (directory readable by postgres only)\n");
    hba(b, "local", "all", "all", null, local);
    hba(b, "local", "replication", "all", null, local);
    b.append("# Synod's own connections to this server\n");
    for (String net : localNetworks(s)) {
      hba(b, "host", "all", su.username(), net, method(su));
    }
    PgSettings.Credentials rw = s.rewind();
    if (rw != null && !rw.username().equals(su.username())) {
      for (String net : localNetworks(s)) {
        hba(b, "host", "all", rw.username(), net, method(rw));
      }
    }
    PgSettings.Credentials rep = s.replication();
    for (String net : localNetworks(s)) {
      hba(b, "host", "replication", rep.username(), net, method(rep));
    }
    if (!s.pgHba().isEmpty()) {
      b.append("# configured (postgresql.pg_hba)\n");
      for (String line : s.pgHba()) {
        b.append(line.replaceAll("[\\r\\n]", " ").strip()).append('\n');
      }
    }
    return b.toString();
  }

  private static String method(PgSettings.Credentials c) {
    return c.hasPassword() ? "scram-sha-256" : "trust";
  }

  /**
   * Loopback networks, plus the local connection address when listen_addresses names a specific IP.
   */
  static List<String> localNetworks(PgSettings s) {
    String h = localHost(s.listenHost());
    if (h.equals("127.0.0.1") || h.equals("::1")) {
      return List.of("127.0.0.1/32", "::1/128");
    }
    if (h.matches("[0-9.]+")) {
      return List.of("127.0.0.1/32", "::1/128", h + "/32");
    }
    if (h.contains(":")) {
      return List.of("127.0.0.1/32", "::1/128", h + "/128");
    }
    return List.of("127.0.0.1/32", "::1/128");
  }

  /**
   * Address Synod uses to reach its own server: the first listen address, wildcards mapped to
   * loopback.
   */
  static String localHost(String listenHost) {
    String first = listenHost.split(",")[0].trim();
    return switch (first) {
      case "", "*", "0.0.0.0", "localhost" -> "127.0.0.1";
      case "::" -> "::1";
      default -> first;
    };
  }

  private static void hba(
      StringBuilder b, String type, String db, String user, String addr, String method) {
    b.append(
        String.format(
            "%-7s %-12s %-16s %-18s %s\n",
            type, db, hbaQuote(user), addr == null ? "" : addr, method));
  }

  static String hbaQuote(String name) {
    return name.matches("[a-z0-9_]+") ? name : "\"" + name.replace("\"", "\"\"") + "\"";
  }

  private static void setting(StringBuilder b, String key, String value) {
    b.append(key).append(" = ").append(quote(value)).append('\n');
  }

  /**
   * A postgresql.conf string literal: every value is quoted (PostgreSQL accepts '100' for an
   * integer).
   */
  static String quote(String value) {
    return "'" + value.replace("\\", "\\\\").replace("'", "''").replaceAll("[\\r\\n]", " ") + "'";
  }
}
