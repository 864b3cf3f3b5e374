package io.synod.engine.cli;

import io.synod.config.ConfigLoader;
import io.synod.config.DynamicConfig;
import io.synod.config.Maps;
import io.synod.engine.PgVersions;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.Yaml;

/**
 * {@code synod --generate-sample-config [FILE]} and {@code synod --generate-config [--dsn DSN]
 * [FILE]}, as Patroni 3+ has them: a node YAML with sane defaults (values given as {@code
 * PATRONI_*} variables are filled in, the rest that needs a human is {@code #FIXME}), or one taken
 * from a running PostgreSQL (its non-default settings, data directory, listen address, pg_hba and
 * pg_ident, binaries). Written to FILE, or stdout.
 */
final class ConfigGenerator {
  static final String FIXME = ValidateConfig.FIXME;

  /** Settings that always go into the generated config (Patroni's CMDLINE_OPTIONS and files). */
  private static final List<String> ALWAYS =
      List.of(
          "listen_addresses",
          "port",
          "cluster_name",
          "data_directory",
          "hba_file",
          "ident_file",
          "wal_level",
          "hot_standby",
          "max_connections",
          "max_wal_senders",
          "max_prepared_transactions",
          "max_locks_per_transaction",
          "track_commit_timestamp",
          "max_replication_slots",
          "max_worker_processes",
          "wal_log_hints",
          "wal_keep_size");

  /** Commands stay in the node's own file (security), as Patroni does. */
  private static final Set<String> LOCAL_PARAMETERS =
      Set.of(
          "archive_command",
          "restore_command",
          "archive_cleanup_command",
          "recovery_end_command",
          "ssl_passphrase_command");

  private ConfigGenerator() {}

  // ------------------------------------------------------------------------------ sample

  /** A sample node YAML: this host's name and address, Synod's defaults, #FIXME where needed. */
  static Map<String, Object> sample(Map<String, String> env) {
    String[] host = hostAndAddress();
    Map<String, Object> c = new LinkedHashMap<>();
    c.put("scope", FIXME);
    c.put("namespace", "/service");
    c.put("name", host[0]);
    c.put("restapi", map("listen", host[1] + ":8008", "connect_address", host[1] + ":8008"));
    c.put(
        "raft",
        map(
            "data_dir",
            "/var/lib/synod/raft",
            "self_addr",
            host[1] + ":8300",
            "partner_addrs",
            new ArrayList<>()));
    Map<String, Object> dcs = Maps.mutableCopy(DynamicConfig.defaults().toMap());
    @SuppressWarnings("unchecked")
    Map<String, Object> dpg = (Map<String, Object>) dcs.get("postgresql");
    dpg.put("use_pg_rewind", true);
    dpg.put(
        "parameters",
        map(
            "wal_level",
            "replica",
            "hot_standby",
            "on",
            "wal_log_hints",
            "on",
            "max_wal_senders",
            10,
            "max_replication_slots",
            10,
            "wal_keep_size",
            "128MB"));
    Map<String, Object> bootstrap = new LinkedHashMap<>();
    bootstrap.put("dcs", dcs);
    bootstrap.put("initdb", new ArrayList<>(List.of(map("encoding", "UTF8"), "data-checksums")));
    c.put("bootstrap", bootstrap);
    Map<String, Object> pg = new LinkedHashMap<>();
    pg.put("listen", host[1] + ":5432");
    pg.put("connect_address", host[1] + ":5432");
    pg.put("data_dir", "/var/lib/synod/pgdata");
    // bin_dir left out: Synod finds the highest /usr/lib/postgresql/<major>/bin, else PATH.
    pg.put(
        "authentication",
        map(
            "superuser",
            map("username", "postgres", "password", FIXME),
            "replication",
            map("username", "replicator", "password", FIXME),
            "rewind",
            map("username", "rewind_user", "password", FIXME)));
    pg.put("parameters", map("password_encryption", "scram-sha-256"));
    pg.put(
        "pg_hba",
        new ArrayList<>(
            List.of(
                "local all all scram-sha-256",
                "host all all all scram-sha-256",
                "host replication replicator all scram-sha-256")));
    c.put("postgresql", pg);
    c.put("tags", map("failover_priority", 1, "noloadbalance", false, "clonefrom", false));
    // PATRONI_* variables win, as in Patroni's generator (PATRONI_SCOPE=main fills the scope...).
    return Maps.mergePatch(c, ConfigLoader.environmentOverrides(env));
  }

  // ------------------------------------------------------------------------------ running

  /**
   * A node YAML from a running PostgreSQL reached through {@code dsn} (libpq {@code key=value} or a
   * {@code postgresql://} URI; PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE fill the rest).
   *
   * @param password asked for when neither the DSN nor PGPASSWORD has one; null = none
   * @throws IllegalStateException with a message for the operator
   */
  static Map<String, Object> fromRunning(
      String dsn, Map<String, String> env, java.util.function.Supplier<String> password) {
    Map<String, String> conn = Dsn.parse(dsn == null ? "" : dsn);
    String host = conn.getOrDefault("host", env.getOrDefault("PGHOST", "127.0.0.1"));
    if (host.startsWith("/")) {
      throw new IllegalStateException(
          "--generate-config connects over TCP: give --dsn \"host=127.0.0.1 port=...\" (a unix"
              + " socket directory such as "
              + host
              + " is not supported)");
    }
    String port = conn.getOrDefault("port", env.getOrDefault("PGPORT", "5432"));
    String user =
        conn.getOrDefault("user", env.getOrDefault("PGUSER", System.getProperty("user.name")));
    String db = conn.getOrDefault("dbname", env.getOrDefault("PGDATABASE", "postgres"));
    String pw = conn.getOrDefault("password", env.get("PGPASSWORD"));
    Properties props = new Properties();
    props.setProperty("user", user);
    props.setProperty("connectTimeout", "10");
    for (String k : List.of("sslmode", "sslcert", "sslkey", "sslrootcert", "sslpassword")) {
      String v = conn.getOrDefault(k, env.get("PG" + k.toUpperCase(java.util.Locale.ROOT)));
      if (v != null) {
        props.setProperty(k, v);
      }
    }
    String url = "jdbc:postgresql://" + bracket(host) + ":" + port + "/" + db;
    Connection c;
    try {
      props.setProperty("password", pw == null ? "" : pw);
      c = DriverManager.getConnection(url, props);
    } catch (SQLException e) {
      if (pw == null && password != null && "28P01".equals(e.getSQLState())
          || pw == null
              && password != null
              && String.valueOf(e.getMessage()).contains("password")) {
        pw = password.get();
        props.setProperty("password", pw == null ? "" : pw);
        try {
          c = DriverManager.getConnection(url, props);
        } catch (SQLException e2) {
          throw new IllegalStateException("cannot connect to " + url + ": " + e2.getMessage(), e2);
        }
      } else {
        throw new IllegalStateException("cannot connect to " + url + ": " + e.getMessage(), e);
      }
    }
    Map<String, Object> cfg = sample(env);
    try (Connection server = c) {
      int version = Integer.parseInt(one(server, "SHOW server_version_num")) / 10000;
      if (version < PgVersions.MIN_MAJOR) {
        throw new IllegalStateException(
            url
                + " runs PostgreSQL "
                + version
                + "; Synod supports PostgreSQL "
                + PgVersions.MIN_MAJOR
                + " and newer");
      }
      if (!"on".equals(one(server, "SHOW is_superuser"))) {
        throw new IllegalStateException(user + " is not a superuser of " + url);
      }
      fill(cfg, server, host, port);
    } catch (SQLException e) {
      throw new IllegalStateException("reading " + url + ": " + e.getMessage(), e);
    }
    @SuppressWarnings("unchecked")
    Map<String, Object> pg = (Map<String, Object>) cfg.get("postgresql");
    Map<String, Object> su = new LinkedHashMap<>();
    su.put("username", user);
    su.put("password", pw == null ? FIXME : pw);
    for (String k : List.of("sslmode", "sslcert", "sslkey", "sslrootcert")) {
      if (props.getProperty(k) != null) {
        su.put(k, props.getProperty(k));
      }
    }
    pg.put(
        "authentication",
        map(
            "superuser",
            su,
            "replication",
            map("username", FIXME, "password", FIXME),
            "rewind",
            map("username", "rewind_user", "password", FIXME)));
    return cfg;
  }

  @SuppressWarnings("unchecked")
  private static void fill(Map<String, Object> cfg, Connection c, String host, String port)
      throws SQLException {
    Map<String, Object> pg = (Map<String, Object>) cfg.get("postgresql");
    Map<String, Object> dcsParams =
        (Map<String, Object>)
            ((Map<String, Object>)
                    ((Map<String, Object>) ((Map<String, Object>) cfg.get("bootstrap")).get("dcs"))
                        .get("postgresql"))
                .get("parameters");
    dcsParams.clear();
    Map<String, Object> localParams = new LinkedHashMap<>();
    Map<String, String> s = new LinkedHashMap<>();
    try (PreparedStatement st =
        c.prepareStatement(
            "SELECT name, pg_catalog.current_setting(name) FROM pg_catalog.pg_settings"
                + " WHERE context <> 'internal'"
                + " AND source IN ('configuration file', 'command line', 'environment variable')"
                + " AND category <> 'Write-Ahead Log / Recovery Target'"
                + " AND setting <> '(disabled)'"
                + " OR name = ANY(?) ORDER BY name")) {
      st.setArray(1, c.createArrayOf("text", ALWAYS.toArray()));
      try (ResultSet rs = st.executeQuery()) {
        while (rs.next()) {
          s.put(rs.getString(1), rs.getString(2));
        }
      }
    }
    String dataDir = s.remove("data_directory");
    pg.put("data_dir", dataDir);
    String cluster = s.remove("cluster_name");
    if (cluster != null && !cluster.isBlank()) {
      cfg.put("scope", cluster);
    }
    String listen = s.remove("listen_addresses");
    String pgPort = s.remove("port");
    String connectHost = String.valueOf(pg.get("connect_address")).replaceAll(":\\d+$", "");
    pg.put("listen", (listen == null || listen.isBlank() ? "localhost" : listen) + ":" + pgPort);
    pg.put("connect_address", connectHost + ":" + port);
    s.remove("config_file"); // command line only; Synod writes postgresql.conf itself
    String hba = s.remove("hba_file");
    String ident = s.remove("ident_file");
    Path data = Path.of(dataDir);
    Path defaultHba = data.resolve("pg_hba.conf");
    Path defaultIdent = data.resolve("pg_ident.conf");
    if (hba != null && !Path.of(hba).equals(defaultHba)) {
      localParams.put("hba_file", hba); // kept where it is, as Patroni does
    } else {
      pg.put("pg_hba", confLines(c, defaultHba, true));
    }
    if (ident != null && !Path.of(ident).equals(defaultIdent)) {
      localParams.put("ident_file", ident);
    } else {
      List<String> lines = confLines(c, defaultIdent, false);
      if (lines.isEmpty()) {
        pg.remove("pg_ident");
      } else {
        pg.put("pg_ident", lines);
      }
    }
    for (Map.Entry<String, String> e : s.entrySet()) {
      Object v = number(e.getValue());
      if (LOCAL_PARAMETERS.contains(e.getKey())) {
        localParams.put(e.getKey(), v);
      } else {
        dcsParams.put(e.getKey(), v);
      }
    }
    pg.put("parameters", localParams);
    pg.put("bin_dir", binDir(data, c));
  }

  /** pg_hba.conf / pg_ident.conf lines without comments, read as the server's superuser. */
  private static List<String> confLines(Connection c, Path file, boolean hba) throws SQLException {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      try (PreparedStatement st = c.prepareStatement("SELECT pg_catalog.pg_read_file(?)")) {
        st.setString(1, file.toString());
        try (ResultSet rs = st.executeQuery()) {
          rs.next();
          text = rs.getString(1);
        }
      }
    }
    List<String> out = new ArrayList<>();
    Set<String> types =
        Set.of(
            "local",
            "host",
            "hostssl",
            "hostnossl",
            "hostgssenc",
            "hostnogssenc",
            "include",
            "include_if_exists",
            "include_dir");
    for (String line : text.split("\n")) {
      String t = line.strip();
      if (t.isEmpty() || t.startsWith("#")) {
        continue;
      }
      if (!hba || types.contains(t.split("\\s+")[0])) {
        out.add(t.replaceAll("\\s+", " "));
      }
    }
    return out;
  }

  /** The postmaster's own executable directory (/proc/PID/exe), else the matching Debian dir. */
  private static String binDir(Path data, Connection c) throws SQLException {
    try {
      String pid = Files.readAllLines(data.resolve("postmaster.pid")).get(0).strip();
      Path exe = Files.readSymbolicLink(Path.of("/proc", pid, "exe"));
      return exe.getParent().toString();
    } catch (IOException | RuntimeException e) {
      String major = one(c, "SHOW server_version_num");
      Path debian = Path.of("/usr/lib/postgresql", "" + Integer.parseInt(major) / 10000, "bin");
      if (Files.isExecutable(debian.resolve("pg_ctl"))) {
        return debian.toString();
      }
      return FIXME;
    }
  }

  private static String one(Connection c, String sql) throws SQLException {
    try (Statement st = c.createStatement();
        ResultSet rs = st.executeQuery(sql)) {
      rs.next();
      return rs.getString(1);
    }
  }

  // ------------------------------------------------------------------------------ output

  static String yaml(Map<String, Object> cfg, String header) {
    DumperOptions o = new DumperOptions();
    o.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
    o.setIndent(2);
    o.setIndicatorIndent(0);
    o.setWidth(100);
    return header + new Yaml(o).dump(cfg);
  }

  static void write(String text, Path file) throws IOException {
    if (file == null) {
      System.out.print(text);
      return;
    }
    Path parent = file.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    // Passwords may be in it.
    Files.writeString(file, text, StandardCharsets.UTF_8);
    try {
      Files.setPosixFilePermissions(
          file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    } catch (UnsupportedOperationException e) {
      // not a POSIX file system
    }
  }

  private static Object number(String v) {
    if (v != null && v.matches("-?\\d{1,9}")) {
      return Integer.valueOf(v);
    }
    return v;
  }

  private static String bracket(String host) {
    return host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
  }

  /** Host name and an address other members can use (IPv4 first), as Patroni picks them. */
  static String[] hostAndAddress() {
    try {
      InetAddress local = InetAddress.getLocalHost();
      String name = local.getHostName();
      InetAddress best = null;
      for (InetAddress a : InetAddress.getAllByName(name)) {
        if (best == null
            || a instanceof java.net.Inet4Address && !(best instanceof java.net.Inet4Address)) {
          best = a;
        }
      }
      return new String[] {name, best == null ? "127.0.0.1" : best.getHostAddress()};
    } catch (IOException e) {
      return new String[] {FIXME, "127.0.0.1"};
    }
  }

  private static Map<String, Object> map(Object... kv) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put((String) kv[i], kv[i + 1]);
    }
    return m;
  }

  /** libpq connection strings: "key=value ..." (quoted values allowed) or postgresql:// URIs. */
  static final class Dsn {
    private Dsn() {}

    static Map<String, String> parse(String dsn) {
      Map<String, String> out = new LinkedHashMap<>();
      String d = dsn.strip();
      if (d.isEmpty()) {
        return out;
      }
      if (d.startsWith("postgresql://") || d.startsWith("postgres://")) {
        java.net.URI u = java.net.URI.create(d);
        if (u.getHost() != null) {
          out.put("host", u.getHost());
        }
        if (u.getPort() > 0) {
          out.put("port", Integer.toString(u.getPort()));
        }
        if (u.getUserInfo() != null) {
          String[] ui = u.getUserInfo().split(":", 2);
          out.put("user", ui[0]);
          if (ui.length > 1) {
            out.put("password", ui[1]);
          }
        }
        if (u.getPath() != null && u.getPath().length() > 1) {
          out.put("dbname", u.getPath().substring(1));
        }
        if (u.getQuery() != null) {
          for (String kv : u.getQuery().split("&")) {
            int eq = kv.indexOf('=');
            if (eq > 0) {
              out.put(kv.substring(0, eq), kv.substring(eq + 1));
            }
          }
        }
        return out;
      }
      int i = 0;
      while (i < d.length()) {
        while (i < d.length() && Character.isWhitespace(d.charAt(i))) {
          i++;
        }
        int eq = d.indexOf('=', i);
        if (eq < 0) {
          throw new IllegalStateException(
              "--dsn: expected key=value at \"" + d.substring(i) + "\"");
        }
        String key = d.substring(i, eq).strip();
        i = eq + 1;
        while (i < d.length() && d.charAt(i) == ' ') {
          i++;
        }
        StringBuilder v = new StringBuilder();
        if (i < d.length() && d.charAt(i) == '\'') {
          i++;
          while (i < d.length() && d.charAt(i) != '\'') {
            if (d.charAt(i) == '\\' && i + 1 < d.length()) {
              i++;
            }
            v.append(d.charAt(i++));
          }
          i++;
        } else {
          while (i < d.length() && !Character.isWhitespace(d.charAt(i))) {
            v.append(d.charAt(i++));
          }
        }
        out.put(key, v.toString());
      }
      return out;
    }
  }
}
