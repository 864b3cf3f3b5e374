package io.synod.config;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * {@code postgresql}: this node's PostgreSQL (local settings; the cluster-wide ones live in {@link
 * DynamicConfig}). Key names and defaults are Patroni's (docs/yaml_configuration.rst).
 */
public final class PostgresqlConfig {
  public static final String DEFAULT_LISTEN = "127.0.0.1:5432";
  public static final int DEFAULT_PORT = 5432;
  public static final int DEFAULT_PG_CTL_TIMEOUT = 60;
  public static final String BASEBACKUP = "basebackup";

  /**
   * Where Debian/Ubuntu packages install server binaries: /usr/lib/postgresql/&lt;major&gt;/bin.
   */
  static final Path DEBIAN_LIB = Path.of("/usr/lib/postgresql");

  private final String listen;
  private final String connectAddress;
  private final String proxyAddress;
  private final Path dataDir;
  private final Path configDir;
  private final Path binDir;
  private final Map<String, String> binName;
  private final Path pgpass;
  private final PgUser superuser;
  private final PgUser replication;
  private final PgUser rewind;
  private final Map<String, Object> parameters;
  private final List<String> pgHba;
  private final List<String> pgIdent;
  private final int pgCtlTimeout;
  private final Boolean usePgRewind;
  private final List<String> rewindArgs;
  private final List<String> basebackupArgs;
  private final boolean removeDataDirectoryOnRewindFailure;
  private final boolean removeDataDirectoryOnDivergedTimelines;
  private final List<String> createReplicaMethods;
  private final Map<String, Map<String, Object>> replicaMethods;
  private final Callbacks callbacks;
  private final String prePromote;
  private final String beforeStop;
  private final boolean useUnixSocket;
  private final Path customConf;
  private final Map<String, String> recoveryConf;

  /**
   * How to name postgresql.bin_dir in an error: "node1.yml: postgresql.bin_dir" or the PATRONI_
   * variable.
   */
  private final String binDirWhere;

  private PostgresqlConfig(Section s) {
    listen = s.string("listen", DEFAULT_LISTEN);
    List<HostPort> listenAddrs = parseListen(s, listen);
    String connect = s.string("connect_address", null);
    if (connect == null) {
      connect = defaultConnect(s, listen, listenAddrs);
    } else {
      s.hostPort("connect_address", connect, DEFAULT_PORT, false);
    }
    connectAddress = connect;
    proxyAddress = s.string("proxy_address", null);
    s.hostPort("proxy_address", proxyAddress, DEFAULT_PORT, false);

    String dir = s.requiredString("data_dir");
    dataDir = dir == null || dir.isBlank() ? null : Path.of(dir);
    Path cfg = s.pathValue("config_dir");
    configDir = cfg != null ? cfg : dataDir;
    binDir = s.pathValue("bin_dir");
    binDirWhere = s.problems().where(s.path("bin_dir"));
    Section bins = s.section("bin_name");
    Map<String, String> names = new LinkedHashMap<>();
    for (String b : EnvOverrides.BINARIES) {
      String v = bins.string(b, null);
      if (v != null) {
        names.put(b, v);
      }
    }
    bins.finish();
    binName = Collections.unmodifiableMap(names);
    pgpass = s.pathValue("pgpass");

    Section auth = s.section("authentication");
    superuser = PgUser.from(auth.section("superuser"), "postgres");
    replication = PgUser.from(auth.section("replication"), "replicator");
    rewind = PgUser.from(auth.section("rewind"), null);
    auth.finish();

    Map<String, Object> params = s.mapValue("parameters");
    parameters = params == null ? Map.of() : params;
    List<String> hba = s.stringList("pg_hba");
    pgHba = hba == null ? List.of() : hba;
    List<String> ident = s.stringList("pg_ident");
    pgIdent = ident == null ? List.of() : ident;
    pgCtlTimeout = s.integer("pg_ctl_timeout", DEFAULT_PG_CTL_TIMEOUT);
    if (pgCtlTimeout < 0) {
      s.error("pg_ctl_timeout", pgCtlTimeout + " is negative");
    }
    usePgRewind = s.optionalBool("use_pg_rewind");
    rewindArgs = UserOptions.toArgs(s, "rewind", "pg_rewind", UserOptions.REWIND_NOT_ALLOWED);
    removeDataDirectoryOnRewindFailure = s.bool("remove_data_directory_on_rewind_failure", false);
    removeDataDirectoryOnDivergedTimelines =
        s.bool("remove_data_directory_on_diverged_timelines", false);

    List<String> methods = s.stringList("create_replica_methods");
    createReplicaMethods = methods == null || methods.isEmpty() ? List.of(BASEBACKUP) : methods;
    basebackupArgs =
        UserOptions.toArgs(s, BASEBACKUP, "pg_basebackup", UserOptions.BASEBACKUP_NOT_ALLOWED);
    Map<String, Map<String, Object>> custom = new LinkedHashMap<>();
    for (String m : createReplicaMethods) {
      if (m.equals(BASEBACKUP)) {
        continue;
      }
      // Custom methods (pgbackrest, wal-g...) carry their own section: command plus free-form
      // options.
      Section ms = s.opaqueSection(m);
      if (!ms.present()) {
        s.error(m, "required by create_replica_methods (a section with at least command)");
        continue;
      }
      ms.requiredString("command");
      custom.put(m, Maps.immutableCopy(ms.map()));
    }
    replicaMethods = Collections.unmodifiableMap(custom);

    callbacks = Callbacks.from(s.section("callbacks"));
    prePromote = s.string("pre_promote", null);
    beforeStop = s.string("before_stop", null);
    useUnixSocket = s.bool("use_unix_socket", false);
    customConf = s.pathValue("custom_conf");
    Map<String, String> rc = s.stringMap("recovery_conf");
    recoveryConf = rc == null ? Map.of() : rc;

    s.notUsed(
        "use_slots",
        "use_unix_socket_repl",
        "parameters_primary",
        "parameters_replica",
        "parameters_standby_leader",
        "pg_hba_primary",
        "pg_hba_replica",
        "pg_hba_standby_leader",
        "pg_ident_primary",
        "pg_ident_replica",
        "pg_ident_standby_leader");
    s.finish();
  }

  static PostgresqlConfig from(Section s) {
    return new PostgresqlConfig(s);
  }

  /** "host1,host2:port" (Patroni allows several hosts, or *); the port may be left out (5432). */
  private static List<HostPort> parseListen(Section s, String listen) {
    List<HostPort> out = new ArrayList<>();
    String[] parts = listen.split(",");
    HostPort last = s.hostPort("listen", parts[parts.length - 1].trim(), DEFAULT_PORT, true);
    if (last == null) {
      return out;
    }
    for (int i = 0; i < parts.length - 1; i++) {
      HostPort hp = s.hostPort("listen", parts[i].trim() + ":" + last.port(), null, false);
      if (hp != null) {
        out.add(hp);
      }
    }
    out.add(last);
    if (out.size() > 1 && out.stream().anyMatch(HostPort::isWildcard)) {
      s.error("listen", Problems.show(listen) + ": a wildcard must be the only host");
    }
    return out;
  }

  private static String defaultConnect(Section s, String listen, List<HostPort> listenAddrs) {
    if (listenAddrs.isEmpty()) {
      return listen; // already reported
    }
    HostPort first = listenAddrs.get(0);
    if (first.isWildcard()) {
      s.error(
          "connect_address",
          "required when " + s.path("listen") + " is a wildcard address (" + listen + ")");
      return listen;
    }
    return first.toString();
  }

  // --- accessors ---

  /** As written: "host[,host...][:port]". */
  public String listen() {
    return listen;
  }

  /** Hosts PostgreSQL listens on (listen_addresses), "*"/"0.0.0.0" meaning all. */
  public List<String> listenHosts() {
    String[] parts = listen.split(",");
    List<String> hosts = new ArrayList<>();
    for (int i = 0; i < parts.length - 1; i++) {
      hosts.add(parts[i].trim());
    }
    hosts.add(HostPort.parse(parts[parts.length - 1].trim(), DEFAULT_PORT, true).host());
    return List.copyOf(hosts);
  }

  public int listenPort() {
    String[] parts = listen.split(",");
    return HostPort.parse(parts[parts.length - 1].trim(), DEFAULT_PORT, true).port();
  }

  /** How other members reach this PostgreSQL (member key conn_url); default = first listen host. */
  public String connectAddress() {
    return connectAddress;
  }

  public HostPort connectHostPort() {
    return HostPort.parse(connectAddress, DEFAULT_PORT, false);
  }

  /** A connection pooler next to PostgreSQL (member key proxy_url); null if none. */
  public String proxyAddress() {
    return proxyAddress;
  }

  public Path dataDir() {
    return dataDir;
  }

  /** Where postgresql.conf and friends are written; default = data_dir. */
  public Path configDir() {
    return configDir;
  }

  /** As configured; null = find it with {@link #resolveBinDir()}. */
  public Path binDir() {
    return binDir;
  }

  /** Overrides of binary names (pg_ctl, initdb, ...); absent = the standard name. */
  public Map<String, String> binName() {
    return binName;
  }

  /** Where to write the .pgpass file; null = Synod's default. */
  public Path pgpass() {
    return pgpass;
  }

  /** Superuser; username defaults to "postgres". */
  public PgUser superuser() {
    return superuser;
  }

  /** Replication user; username defaults to "replicator". */
  public PgUser replication() {
    return replication;
  }

  /** pg_rewind user, or null to use the superuser. */
  public PgUser rewind() {
    return rewind;
  }

  /** Local GUCs; they override the dynamic {@code postgresql.parameters}. */
  public Map<String, Object> parameters() {
    return parameters;
  }

  /** Local pg_hba lines; empty = use the dynamic ones (or leave pg_hba.conf alone). */
  public List<String> pgHba() {
    return pgHba;
  }

  public List<String> pgIdent() {
    return pgIdent;
  }

  public int pgCtlTimeout() {
    return pgCtlTimeout;
  }

  /** Local override of the dynamic use_pg_rewind; null = use the dynamic value. */
  public Boolean usePgRewind() {
    return usePgRewind;
  }

  /** Extra pg_rewind arguments from {@code postgresql.rewind}. */
  public List<String> rewindArgs() {
    return rewindArgs;
  }

  /** Extra pg_basebackup arguments from {@code postgresql.basebackup}. */
  public List<String> basebackupArgs() {
    return basebackupArgs;
  }

  public boolean removeDataDirectoryOnRewindFailure() {
    return removeDataDirectoryOnRewindFailure;
  }

  public boolean removeDataDirectoryOnDivergedTimelines() {
    return removeDataDirectoryOnDivergedTimelines;
  }

  /** Ordered methods to create a replica; default [basebackup]. */
  public List<String> createReplicaMethods() {
    return createReplicaMethods;
  }

  /** Sections of custom replica methods (name to {command, keep_data, no_leader, ...}). */
  public Map<String, Map<String, Object>> replicaMethods() {
    return replicaMethods;
  }

  public Callbacks callbacks() {
    return callbacks;
  }

  /** Fencing script run after taking the leader lock and before promoting; non-zero exit aborts. */
  public String prePromote() {
    return prePromote;
  }

  /** Script run synchronously before stopping PostgreSQL. */
  public String beforeStop() {
    return beforeStop;
  }

  public boolean useUnixSocket() {
    return useUnixSocket;
  }

  /** {@code custom_conf}: included instead of postgresql.base.conf; null = the base. */
  public Path customConf() {
    return customConf;
  }

  /** {@code recovery_conf}: extra standby settings (restore_command...); empty if none. */
  public Map<String, String> recoveryConf() {
    return recoveryConf;
  }

  /**
   * The directory holding pg_ctl and the other server binaries: {@code bin_dir} if set, else the
   * highest {@code /usr/lib/postgresql/<major>/bin} that has pg_ctl, else the PATH entry that has
   * it.
   *
   * @throws ConfigException naming {@code postgresql.bin_dir} and what to install when nothing is
   *     found
   */
  public Path resolveBinDir() {
    return resolveBinDir(DEBIAN_LIB, System.getenv("PATH"));
  }

  /** An absolute path to a server binary (pg_ctl, initdb...), honouring {@code bin_name}. */
  public Path binary(String name) {
    return resolveBinDir().resolve(binName.getOrDefault(name, name));
  }

  Path resolveBinDir(Path libRoot, String pathEnv) {
    String pgCtl = binName.getOrDefault("pg_ctl", "pg_ctl");
    if (binDir != null) {
      if (Files.isExecutable(binDir.resolve(pgCtl))) {
        return binDir;
      }
      throw new ConfigException(
          binDirWhere
              + ": "
              + binDir
              + " has no executable "
              + pgCtl
              + "; install PostgreSQL (e.g. apt-get install postgresql-15) or correct the directory");
    }
    if (Files.isDirectory(libRoot)) {
      try (Stream<Path> dirs = Files.list(libRoot)) {
        List<Path> versions =
            dirs.filter(d -> d.getFileName().toString().matches("\\d+(\\.\\d+)?"))
                .sorted(Comparator.comparing(PostgresqlConfig::versionKey).reversed())
                .toList();
        for (Path v : versions) {
          Path bin = v.resolve("bin");
          if (Files.isExecutable(bin.resolve(pgCtl))) {
            return bin;
          }
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    if (pathEnv != null) {
      for (String entry : pathEnv.split(java.io.File.pathSeparator)) {
        if (!entry.isEmpty() && Files.isExecutable(Path.of(entry, pgCtl))) {
          return Path.of(entry);
        }
      }
    }
    throw new ConfigException(
        binDirWhere
            + ": not set, and no "
            + pgCtl
            + " in "
            + libRoot
            + "/<version>/bin or on PATH; install PostgreSQL (e.g. apt-get install postgresql-15) or set "
            + "postgresql.bin_dir");
  }

  /** "9.6" -> 9006, "15" -> 15000: numeric, so 10 sorts above 9.6. */
  private static Integer versionKey(Path p) {
    int[] parts =
        Arrays.stream(p.getFileName().toString().split("\\."))
            .mapToInt(Integer::parseInt)
            .toArray();
    return parts[0] * 1000 + (parts.length > 1 ? parts[1] : 0);
  }

  @Override
  public String toString() {
    return "PostgresqlConfig[listen="
        + listen
        + ", connectAddress="
        + connectAddress
        + ", dataDir="
        + dataDir
        + ", binDir="
        + binDir
        + ", superuser="
        + superuser
        + ", replication="
        + replication
        + "]";
  }
}
