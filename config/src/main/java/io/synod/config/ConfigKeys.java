package io.synod.config;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What Synod does with every key of Patroni 4's YAML, dynamic configuration and {@code PATRONI_*}
 * variables (plus Synod's own keys): each is {@link State#HONOURED honoured}, {@link State#REFUSED
 * refused} with a reason, or {@link State#WARNED warned about} once at start ("not used by Synod:
 * KEY (why)"). Nothing is silently ignored.
 *
 * <p>This registry is the one place that decides: the parser ({@link Section}) looks every key it
 * reads up here, turns a warned key that is set into the warning and a refused key that is set into
 * an error. Flipping a key from warned to honoured is one line below. config/README.md shows the
 * same table; {@code ConfigKeysTest} fails when the table, this registry and the parser disagree.
 *
 * <p>Paths are dotted YAML paths. Dynamic-configuration keys are written under {@code
 * bootstrap.dcs.}; the same keys arrive through the DCS {@code config} key (PATCH /config). A
 * segment in angle brackets is a placeholder: {@code <user>} is one of superuser, replication,
 * rewind; any other placeholder ({@code <tag>}, {@code <method>}, {@code <key>}) matches one
 * segment of any name.
 *
 * <p>(Long because it is the table itself: one row per Patroni key.)
 */
public final class ConfigKeys {
  /** The three states of the rule. */
  public enum State {
    HONOURED,
    REFUSED,
    WARNED;

    /** As written in config/README.md. */
    public String word() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** Which module's parser reads the key (the config module's test checks only its own). */
  public enum Owner {
    CONFIG,
    BRIDGES
  }

  /**
   * One row of the table.
   *
   * @param path dotted path, or {@code "-"} for a variable that sets no single key
   * @param env the {@code PATRONI_*} variables that set it (placeholders upper-cased, e.g. {@code
   *     PATRONI_<USER>_SSLMODE}); empty when none
   * @param why for honoured keys what acts on it; for refused/warned keys the reason given to the
   *     operator
   * @param validated a warned key whose value is still parsed, validated and kept (so it
   *     round-trips through PATCH /config and can become honoured by flipping its state)
   * @param quiet values of a warned key that need no warning, or of a refused key that are accepted
   *     because Synod does exactly that (see {@link #quietFor})
   */
  public record Key(
      String path,
      State state,
      List<String> env,
      String why,
      boolean validated,
      List<String> quiet,
      Owner owner) {
    public Key {
      env = List.copyOf(env);
      quiet = List.copyOf(quiet);
    }

    /**
     * Whether a warned key set to {@code value} needs no warning, or a refused key set to it no
     * error, because Synod does exactly that (a switch set to false, Patroni's default such as
     * synchronous_node_count 1, bootstrap.method initdb).
     */
    public boolean quietFor(Object value) {
      if (quiet.isEmpty() || value == null) {
        return false;
      }
      if (quiet.contains("false") && Boolean.FALSE.equals(Section.parseBool(value))) {
        return true;
      }
      String v = value instanceof List<?> l ? l.toString() : String.valueOf(value);
      if (value instanceof Double d && d == Math.rint(d)) {
        v = Long.toString(d.longValue());
      }
      return quiet.contains(v.trim());
    }

    /** "not used by Synod: KEY (why)" for warned keys. */
    public String warning(String shownPath) {
      return "not used by Synod: " + shownPath + " (" + why + ")";
    }

    /** "refused by Synod: why" for refused keys. */
    public String refusal() {
      return "refused by Synod: " + why;
    }
  }

  /** Values of the {@code <user>} placeholder. */
  public static final List<String> USERS = List.of("superuser", "replication", "rewind");

  private static final Map<String, Key> KEYS = new LinkedHashMap<>();

  // Reasons shared by several keys.
  private static final String SYNC =
      "synchronous replication is not implemented yet (durability issue); the value is validated"
          + " and kept";
  private static final String NOT_YET = "not supported by Synod yet";
  private static final String PYSYNCOBJ =
      "pysyncobj timing of Patroni's raft DCS; SOFAJRaft is tuned with raft.election_timeout_ms";
  private static final String ROLE_OVERRIDES =
      "Patroni 4.2 role-specific overrides are not implemented; use postgresql.parameters/pg_hba";
  private static final String BRIDGE_NOT_USED = "not used by Synod's mirror into this DCS";
  private static final String CTL = "read by synodctl (the node itself does not use it)";

  static {
    // --- global
    h("scope", "PATRONI_SCOPE", "cluster name: the DCS keys live under /<namespace>/<scope>");
    h("namespace", "PATRONI_NAMESPACE", "DCS path prefix (default /service)");
    h("name", "PATRONI_NAME", "member name: member key, slot name, application_name");
    w(
        "thread_pool_size",
        "PATRONI_THREAD_POOL_SIZE",
        "Synod has no Python thread pool; the REST API runs on Netty event loops");
    w(
        "thread_stack_size",
        "PATRONI_THREAD_STACK_SIZE",
        "JVM thread stacks are sized with the java -Xss option");

    // --- log
    h("log.type", "PATRONI_LOG_TYPE", "plain or json (one JSON object per line)");
    h(
        "log.level",
        "PATRONI_LOG_LEVEL, PATRONI_LOGLEVEL",
        "root level (DEBUG, INFO, WARNING, ERROR, CRITICAL)");
    h(
        "log.traceback_level",
        "PATRONI_LOG_TRACEBACK_LEVEL",
        "DEBUG: stack traces only when log.level is DEBUG, else the exception message only");
    h(
        "log.format",
        "PATRONI_LOG_FORMAT, PATRONI_LOGFORMAT",
        "Python %(field)s format; for json a string, or a list of fields (a mapping renames)");
    h(
        "log.dateformat",
        "PATRONI_LOG_DATEFORMAT, PATRONI_LOG_DATEFMT",
        "strftime format of asctime");
    h("log.static_fields", "PATRONI_LOG_STATIC_FIELDS", "fields added to every JSON line");
    w(
        "log.max_queue_size",
        "PATRONI_LOG_MAX_QUEUE_SIZE",
        "Synod writes log lines synchronously; there is no queue to size");
    h("log.dir", "PATRONI_LOG_DIR", "write <dir>/synod.log (rotated) instead of stderr");
    h("log.mode", "PATRONI_LOG_MODE", "permissions of the log files (e.g. 0640)");
    h("log.file_num", "PATRONI_LOG_FILE_NUM", "rotated files kept (default 4)");
    h("log.file_size", "PATRONI_LOG_FILE_SIZE", "bytes that trigger a rotation (default 25000000)");
    h(
        "log.loggers",
        "PATRONI_LOG_LOGGERS",
        "per-logger levels; names are Java loggers (io.synod.engine.ha, com.alipay.sofa)");
    w(
        "log.deduplicate_heartbeat_logs",
        "PATRONI_LOG_DEDUPLICATE_HEARTBEAT_LOGS",
        "the HA loop decides itself how often its one-line reason is repeated");

    // --- restapi
    h("restapi.listen", "PATRONI_RESTAPI_LISTEN", "bind address of the REST API");
    h(
        "restapi.connect_address",
        "PATRONI_RESTAPI_CONNECT_ADDRESS",
        "api_url in the member key; default listen");
    h(
        "restapi.authentication.username",
        "PATRONI_RESTAPI_USERNAME",
        "basic auth for the unsafe endpoints (401)");
    h("restapi.authentication.password", "PATRONI_RESTAPI_PASSWORD", "basic auth password");
    h("restapi.certfile", "PATRONI_RESTAPI_CERTFILE", "HTTPS when set");
    h("restapi.keyfile", "PATRONI_RESTAPI_KEYFILE", "HTTPS private key");
    h("restapi.keyfile_password", "PATRONI_RESTAPI_KEYFILE_PASSWORD", "password of the key");
    h("restapi.cafile", "PATRONI_RESTAPI_CAFILE", "CA for client certificates");
    h(
        "restapi.ciphers",
        "PATRONI_RESTAPI_CIPHERS",
        "the TLS server's cipher suites (OpenSSL or Java names; OpenSSL groups such as HIGH are"
            + " refused); TLS 1.3 suites stay on, as with OpenSSL");
    h(
        "restapi.verify_client",
        "PATRONI_RESTAPI_VERIFY_CLIENT",
        "none, optional (unsafe endpoints) or required");
    h("restapi.allowlist", "PATRONI_RESTAPI_ALLOWLIST", "who may call unsafe endpoints (403)");
    h(
        "restapi.allowlist_include_members",
        "PATRONI_RESTAPI_ALLOWLIST_INCLUDE_MEMBERS",
        "members' api_url hosts are allowed too");
    h(
        "restapi.http_extra_headers",
        "PATRONI_RESTAPI_HTTP_EXTRA_HEADERS",
        "headers added to every response");
    h(
        "restapi.https_extra_headers",
        "PATRONI_RESTAPI_HTTPS_EXTRA_HEADERS",
        "headers added to HTTPS responses, besides http_extra_headers");
    h(
        "restapi.request_queue_size",
        "PATRONI_RESTAPI_REQUEST_QUEUE_SIZE",
        "the REST API socket's listen backlog (0-4096); unset = the system's default");
    h(
        "restapi.server_tokens",
        "PATRONI_RESTAPI_SERVER_TOKENS",
        "Server header: Minimal (Synod/VERSION), ProductOnly (Synod), Original (default: Synod,"
            + " Netty and Java versions)");
    w(
        "restapi.thread_pool_size",
        "PATRONI_RESTAPI_THREAD_POOL_SIZE",
        "the REST API runs on Netty event loops, not a thread pool");

    // --- ctl (synodctl)
    h("ctl.authentication.username", "PATRONI_CTL_USERNAME", CTL);
    h("ctl.authentication.password", "PATRONI_CTL_PASSWORD", CTL);
    h("ctl.insecure", "PATRONI_CTL_INSECURE", CTL);
    h("ctl.cacert", "PATRONI_CTL_CACERT", CTL);
    h("ctl.certfile", "PATRONI_CTL_CERTFILE", CTL);
    h("ctl.keyfile", "PATRONI_CTL_KEYFILE", CTL);
    h("ctl.keyfile_password", "PATRONI_CTL_KEYFILE_PASSWORD", CTL);

    // --- raft (Synod's store; Patroni's deprecated raft DCS keys where they make sense)
    h("raft.data_dir", "PATRONI_RAFT_DATA_DIR", "Raft log, metadata and snapshots");
    h("raft.self_addr", "PATRONI_RAFT_SELF_ADDR", "this node's Raft endpoint");
    h("raft.partner_addrs", "PATRONI_RAFT_PARTNER_ADDRS", "the other voting members");
    h(
        "raft.election_timeout_ms",
        "PATRONI_RAFT_ELECTION_TIMEOUT_MS",
        "Synod: SOFAJRaft election timeout (300)");
    h(
        "raft.snapshot_interval_secs",
        "PATRONI_RAFT_SNAPSHOT_INTERVAL_SECS",
        "Synod: SOFAJRaft snapshot interval (60)");
    h(
        "raft.password",
        "PATRONI_RAFT_PASSWORD",
        "the shared cluster secret: peers authenticate (mutual TLS from a CA derived from it)"
            + " before any Raft message is read");
    h(
        "raft.bind_addr",
        "PATRONI_RAFT_BIND_ADDR",
        "where the Raft server listens (default: self_addr's host; never every interface"
            + " unless written here)");
    h(
        "raft.certfile",
        "PATRONI_RAFT_CERTFILE",
        "mutual TLS with your PKI: this node's certificate");
    h("raft.keyfile", "PATRONI_RAFT_KEYFILE", "its private key (PEM; default: in certfile)");
    h("raft.keyfile_password", "PATRONI_RAFT_KEYFILE_PASSWORD", "the key's password, if encrypted");
    h("raft.cafile", "PATRONI_RAFT_CAFILE", "the CA every peer's certificate must be signed by");
    for (String k :
        List.of(
            "min_timeout",
            "max_timeout",
            "connection_timeout",
            "append_entries_period",
            "connection_retry_time",
            "leader_fallback_timeout")) {
      w("raft." + k, "PATRONI_RAFT_" + k.toUpperCase(Locale.ROOT), PYSYNCOBJ);
    }

    // --- mirror targets (typed by the dcs-bridges module)
    h("etcd3", "", "mirror target: Synod copies its keys into this etcd (v3 API)");
    for (String k :
        List.of("host", "hosts", "url", "protocol", "username", "password", "cacert", "cert")) {
      bridge(State.HONOURED, "etcd3." + k, "PATRONI_ETCD3_" + up(k), "etcd mirror connection");
    }
    bridge(State.HONOURED, "etcd3.key", "PATRONI_ETCD3_KEY", "etcd mirror connection");
    for (String k : List.of("srv", "srv_suffix", "proxy", "use_proxies", "key_password")) {
      bridge(
          State.REFUSED,
          "etcd3." + k,
          "PATRONI_ETCD3_" + up(k),
          "not supported by Synod's etcd3 mirror: list the endpoints in hosts");
    }
    h("zookeeper", "", "mirror target: Synod copies its keys into this ZooKeeper");
    bridge(State.HONOURED, "zookeeper.hosts", "PATRONI_ZOOKEEPER_HOSTS", "ZooKeeper ensemble");
    bridge(
        State.REFUSED,
        "zookeeper.use_ssl",
        "PATRONI_ZOOKEEPER_USE_SSL",
        "TLS to ZooKeeper is not supported by the mirror yet (use_ssl: false is accepted)");
    for (String k : List.of("cacert", "cert", "key", "key_password", "verify")) {
      bridge(State.WARNED, "zookeeper." + k, "PATRONI_ZOOKEEPER_" + up(k), BRIDGE_NOT_USED);
    }
    bridge(
        State.HONOURED,
        "zookeeper.set_acls",
        "PATRONI_ZOOKEEPER_SET_ACLS",
        "ACLs of every znode the mirror creates (principal -> permissions)");
    bridge(
        State.HONOURED,
        "zookeeper.auth_data",
        "PATRONI_ZOOKEEPER_AUTH_DATA",
        "credentials the mirror's ZooKeeper session authenticates with");
    h("consul", "", "mirror target: Synod copies its keys into this Consul");
    for (String k :
        List.of(
            "host", "url", "port", "scheme", "token", "dc", "verify", "cacert", "cert", "key")) {
      bridge(State.HONOURED, "consul." + k, "PATRONI_CONSUL_" + up(k), "Consul mirror connection");
    }
    for (String k :
        List.of(
            "consistency",
            "checks",
            "register_service",
            "service_tags",
            "service_check_interval",
            "service_check_tls_server_name",
            "key_password")) {
      bridge(State.WARNED, "consul." + k, "PATRONI_CONSUL_" + up(k), BRIDGE_NOT_USED);
    }
    h("bridge", "", "Synod: options of the mirrors");
    bridge(
        State.HONOURED,
        "bridge.accept_requests",
        "",
        "Synod: apply failover/config keys written into the mirror by Patroni tooling");
    w(
        "etcd",
        "PATRONI_ETCD_*",
        "etcd's v2 API is not mirrored; use an etcd3 section (Synod's store is its own Raft group)");
    w(
        "exhibitor",
        "PATRONI_EXHIBITOR_*",
        "Synod's store is its own Raft group; ZooKeeper can be a mirror (zookeeper section)");
    w(
        "kubernetes",
        "PATRONI_KUBERNETES_*",
        "Synod's store is its own Raft group; Kubernetes objects are not written");
    r(
        "citus",
        "PATRONI_CITUS_GROUP, PATRONI_CITUS_DATABASE",
        "Citus (MPP) clusters are not supported: workers would never be registered on the"
            + " coordinator");
    h(
        "watchdog.mode",
        "",
        "off, automatic or required: Synod's fence (a sidecar process that stops PostgreSQL when"
            + " the lease runs out) plays /dev/watchdog's part");
    h(
        "watchdog.safety_margin",
        "",
        "the fence fires this long before the lease could expire (Synod default 0.3 s; -1 ="
            + " ttl/2)");
    w(
        "watchdog.device",
        "",
        "Synod fences with a sidecar process that stops PostgreSQL, not a kernel watchdog"
            + " device; the device is not opened");

    // --- bootstrap
    h(
        "bootstrap.method",
        "",
        "initdb, or a custom method (restore from pgBackRest, WAL-G, Barman, a base backup): its"
            + " command fills PGDATA, the restored cluster recovers and is promoted, then"
            + " post_bootstrap runs");
    h(
        "bootstrap.<method>",
        "",
        "the custom method named by bootstrap.method: command (run as the postgres user with"
            + " --scope and --datadir unless no_params, and the section's other keys as"
            + " --key=value), recovery_conf (PostgreSQL 12+ settings plus recovery.signal),"
            + " keep_existing_recovery_conf (the restore's own recovery settings are kept)");
    h("bootstrap.initdb", "", "initdb options (data-checksums, encoding: UTF8, ...)");
    h("bootstrap.post_bootstrap", "", "script run once after the cluster is initialized");
    h("bootstrap.post_init", "", "old name of post_bootstrap");
    w("bootstrap.users", "", "removed in Patroni 4.0: create users in the post_bootstrap script");
    w("bootstrap.pg_hba", "", "removed in Patroni 4.0: use postgresql.pg_hba");

    // --- postgresql (local)
    h("postgresql.listen", "PATRONI_POSTGRESQL_LISTEN", "listen_addresses and port");
    h(
        "postgresql.connect_address",
        "PATRONI_POSTGRESQL_CONNECT_ADDRESS",
        "conn_url in the member key, host and port (the port may differ from listen's, e.g."
            + " behind NAT); default the first listen host");
    h(
        "postgresql.proxy_address",
        "PATRONI_POSTGRESQL_PROXY_ADDRESS",
        "proxy_url in the member key (postgres://HOST:PORT/postgres), as Patroni");
    h("postgresql.data_dir", "PATRONI_POSTGRESQL_DATA_DIR", "PGDATA");
    h(
        "postgresql.config_dir",
        "PATRONI_POSTGRESQL_CONFIG_DIR",
        "postgresql.conf, pg_hba.conf, pg_ident.conf and postgresql.base.conf go there; the server"
            + " is started with --config-file");
    h(
        "postgresql.bin_dir",
        "PATRONI_POSTGRESQL_BIN_DIR",
        "where pg_ctl, initdb, ... are (default: highest /usr/lib/postgresql/<major>/bin, PATH)");
    for (String b : EnvOverrides.BINARIES) {
      h(
          "postgresql.bin_name." + b,
          "PATRONI_POSTGRESQL_BIN_" + up(b),
          "the name run instead of "
              + b
              + (b.equals("pg_isready") ? " (Synod never runs it)" : ""));
    }
    h(
        "postgresql.pgpass",
        "PATRONI_POSTGRESQL_PGPASS",
        "Synod writes the roles' passwords there (0600) and libpq reads them (PGPASSFILE,"
            + " primary_conninfo passfile) instead of PGPASSWORD");
    h(
        "postgresql.authentication.<user>.username",
        "PATRONI_<USER>_USERNAME",
        "role name (superuser default postgres, replication default replicator)");
    h(
        "postgresql.authentication.<user>.password",
        "PATRONI_<USER>_PASSWORD",
        "role password (set at initdb / created on the primary)");
    for (String p : EnvOverrides.AUTH_PARAMS) {
      if (!p.equals("username") && !p.equals("password")) {
        h(
            "postgresql.authentication.<user>." + p,
            "PATRONI_<USER>_" + up(p),
            "passed wherever Synod connects as the role: primary_conninfo and pg_basebackup"
                + " (replication), pg_rewind (rewind, else superuser), post_bootstrap and Synod's"
                + " JDBC connection (superuser)"
                + switch (p) {
                  case "sslcrl" -> "; JDBC has no CRL check";
                  case "sslcrldir" -> "; PostgreSQL 14+; JDBC has no CRL check";
                  case "sslnegotiation" -> "; PostgreSQL 17+";
                  default -> "";
                });
      }
    }
    h("postgresql.parameters", "", "GUCs, over the dynamic postgresql.parameters");
    h("postgresql.pg_hba", "", "pg_hba.conf lines; they replace the dynamic ones (Patroni)");
    h(
        "postgresql.pg_ident",
        "",
        "pg_ident.conf lines; they replace the dynamic ones; none = the file is left alone");
    h("postgresql.pg_ctl_timeout", "", "timeout of pg_ctl start/stop/promote (60 s)");
    h("postgresql.use_pg_rewind", "", "local override of the dynamic use_pg_rewind");
    h("postgresql.rewind", "", "extra pg_rewind options");
    h("postgresql.basebackup", "", "extra pg_basebackup options");
    h(
        "postgresql.remove_data_directory_on_rewind_failure",
        "",
        "empty PGDATA and re-clone when pg_rewind fails");
    h(
        "postgresql.remove_data_directory_on_diverged_timelines",
        "",
        "a replica whose timeline diverged and that cannot be rewound (use_pg_rewind off, or"
            + " pg_rewind failed) removes its data and is copied again");
    h(
        "postgresql.create_replica_methods",
        "",
        "how a new replica gets its data, tried in order until one succeeds: basebackup, or a"
            + " custom method's command (pgbackrest, wal_g, ...)");
    h(
        "postgresql.<method>",
        "",
        "a custom replica method: command (run with --scope --role --datadir --connstring unless"
            + " no_params, plus its other keys), keep_data, no_leader (usable with no leader)");
    h("postgresql.callbacks.on_start", "", "run after PostgreSQL started");
    h("postgresql.callbacks.on_stop", "", "run after PostgreSQL stopped (not on a restart)");
    h("postgresql.callbacks.on_restart", "", "run after a restart");
    h("postgresql.callbacks.on_reload", "", "run after a reload");
    h("postgresql.callbacks.on_role_change", "", "run after a promotion or demotion");
    h("postgresql.pre_promote", "", "fencing script; non-zero exit aborts the promotion");
    h(
        "postgresql.before_stop",
        "",
        "run (and waited for, pg_ctl_timeout at most) before every stop; its exit code is logged");
    wv(
        "postgresql.use_unix_socket",
        "",
        "Synod reaches its own server over TCP on the first listen address and writes the"
            + " pg_hba lines it needs first; socket-only rules for other users keep working",
        "false");
    w(
        "postgresql.use_unix_socket_repl",
        "",
        "replication connections go over TCP to the leader's connect_address",
        "false");
    h(
        "postgresql.custom_conf",
        "",
        "included instead of postgresql.base.conf; Synod's settings still win");
    h(
        "postgresql.recovery_conf",
        "",
        "extra standby settings (restore_command, recovery_min_apply_delay, ...) written with"
            + " Synod's own; primary_conninfo, primary_slot_name, recovery_target_timeline stay"
            + " Synod's");
    w(
        "postgresql.use_slots",
        "",
        "cluster-wide: set it in bootstrap.dcs.postgresql (or PATCH /config)");
    for (String role : List.of("primary", "replica", "standby_leader")) {
      w("postgresql.parameters_" + role, "", ROLE_OVERRIDES);
      w("postgresql.pg_hba_" + role, "", ROLE_OVERRIDES);
      w("postgresql.pg_ident_" + role, "", ROLE_OVERRIDES);
    }

    // --- tags
    h("tags.nofailover", "", "never take part in the leader race");
    h("tags.failover_priority", "", "preference in the leader race; <= 0 means nofailover");
    h("tags.noloadbalance", "", "GET /replica answers 503");
    h("tags.clonefrom", "", "preferred source of new replicas' base backups");
    h("tags.nosync", "", "never chosen as a synchronous standby");
    h("tags.sync_priority", "", "preference when choosing synchronous standbys; <= 0 means nosync");
    h(
        "tags.replicatefrom",
        "",
        "cascading replication: stream from this member while it runs as a replica, else from"
            + " the leader");
    h(
        "tags.nostream",
        "",
        "replay WAL from the archive only (restore_command): no primary_conninfo, no slot");
    h(
        "tags.witness",
        "",
        "a witness: a Raft voter without PostgreSQL that never takes the leader lock (also any"
            + " node with a raft section and no postgresql section); refused together with a"
            + " postgresql section");
    h("tags.<tag>", "", "user tags, published in the member key, matched by ?tag_key=value");

    // --- dynamic configuration (bootstrap.dcs, the DCS config key, PATCH /config)
    h("bootstrap.dcs.ttl", "", "leader lease (Synod default 1.3 s)");
    h("bootstrap.dcs.loop_wait", "", "HA loop period (Synod default 0.5 s)");
    h("bootstrap.dcs.retry_timeout", "", "bound on one store call (Synod default 0.4 s)");
    h("bootstrap.dcs.maximum_lag_on_failover", "", "a replica lagging more may not be promoted");
    h(
        "bootstrap.dcs.maximum_lag_on_syncnode",
        "",
        "a synchronous standby lagging more is replaced by a healthy asynchronous one (-1: never)");
    h(
        "bootstrap.dcs.primary_start_timeout",
        "",
        "how long a crashed primary may take to recover before failover");
    h("bootstrap.dcs.master_start_timeout", "", "old name of primary_start_timeout");
    h(
        "bootstrap.dcs.primary_stop_timeout",
        "",
        "in synchronous mode (Patroni's rule), stopping a primary that takes longer ends with an"
            + " immediate shutdown, then SIGKILL");
    h("bootstrap.dcs.master_stop_timeout", "", "old name of primary_stop_timeout");
    h(
        "bootstrap.dcs.check_timeline",
        "",
        "a replica whose timeline is behind the cluster's does not race for the lock");
    h(
        "bootstrap.dcs.synchronous_mode",
        "",
        "off, on or quorum: Synod manages synchronous_standby_names and the sync key, and only a"
            + " synchronous standby may take over");
    h(
        "bootstrap.dcs.synchronous_mode_strict",
        "",
        "writes block rather than turn asynchronous when no synchronous standby is left");
    h(
        "bootstrap.dcs.synchronous_node_count",
        "",
        "how many synchronous standbys (lowered to the eligible members)");
    h(
        "bootstrap.dcs.failsafe_mode",
        "",
        "inherent: the store is the members' own Raft group, lost only with a majority of them"
            + " (when Patroni's failsafe would demote too); GET /failsafe lists the members,"
            + " /metrics reports it enabled and never active");
    h("bootstrap.dcs.pause", "", "maintenance mode: no automatic failover");
    h("bootstrap.dcs.max_timelines_history", "", "history entries kept in the DCS (0 = all)");
    h(
        "bootstrap.dcs.member_slots_ttl",
        "",
        "how long a stopped member's replication slot is kept (30 min)");
    String slots =
        "permanent slots, {name: {type: physical}} or {type: logical, database, plugin}: created on"
            + " the primary, kept on replicas at the leader's positions (logical ones copied from"
            + " the primary, then advanced), so they survive failover; logical ones need"
            + " postgresql.parameters.wal_level: logical and turn hot_standby_feedback on";
    h("bootstrap.dcs.slots", "", slots);
    h("bootstrap.dcs.permanent_replication_slots", "", "old name of slots: " + slots);
    h("bootstrap.dcs.permanent_slots", "", "old name of slots: " + slots);
    h(
        "bootstrap.dcs.ignore_slots",
        "",
        "slots matching an entry (every given name, type, database, plugin) are never created,"
            + " dropped or advanced by Synod");
    h(
        "bootstrap.dcs.standby_cluster",
        "",
        "a standby cluster: its leader (the standby leader) replicates from host:port or"
            + " restore_command and never promotes; removing it promotes (promote-cluster), adding"
            + " it to a running cluster demotes its primary (demote-cluster)");
    wv(
        "bootstrap.dcs.primary_race_backoff",
        "",
        "Patroni 4.2's leader-race backoff is not implemented");
    h("bootstrap.dcs.postgresql.parameters", "", "GUCs for every member");
    h(
        "bootstrap.dcs.postgresql.pg_hba",
        "",
        "pg_hba.conf lines for every member, after Synod's own (a node's own postgresql.pg_hba"
            + " replaces them)");
    h(
        "bootstrap.dcs.postgresql.pg_ident",
        "",
        "pg_ident.conf lines for every member (a node's own postgresql.pg_ident replaces them)");
    h("bootstrap.dcs.postgresql.use_pg_rewind", "", "rewind a former primary instead of re-clone");
    h(
        "bootstrap.dcs.postgresql.use_slots",
        "",
        "one physical slot per member on the primary; false: no slot at all, permanent ones"
            + " included");
    h(
        "bootstrap.dcs.use_pg_rewind",
        "",
        "misplaced: used (with a warning) when postgresql.use_pg_rewind is absent");
    h(
        "bootstrap.dcs.use_slots",
        "",
        "misplaced: used (with a warning) when postgresql.use_slots is absent");
    wv(
        "bootstrap.dcs.postgresql.recovery_conf",
        "",
        "standby settings are generated by Synod; the value is kept");
    for (String role : List.of("primary", "replica", "standby_leader")) {
      wv("bootstrap.dcs.postgresql.parameters_" + role, "", ROLE_OVERRIDES);
      wv("bootstrap.dcs.postgresql.pg_hba_" + role, "", ROLE_OVERRIDES);
      wv("bootstrap.dcs.postgresql.pg_ident_" + role, "", ROLE_OVERRIDES);
    }
    wv(
        "bootstrap.dcs.postgresql.<key>",
        "",
        "Synod reads only parameters, pg_hba, pg_ident, use_pg_rewind and use_slots here;"
            + " set other postgresql keys in each node's file");

    // --- variables that set no single key
    env(
        "PATRONI_CONFIGURATION",
        State.HONOURED,
        "the whole YAML; the file and other variables" + " are then ignored (with a warning each)");
    env("PATRONICTL_CONFIG_FILE", State.HONOURED, "synodctl's config file when -c is not given");
  }

  private ConfigKeys() {}

  /** Every row, in table order. */
  public static List<Key> all() {
    return List.copyOf(KEYS.values());
  }

  /**
   * The row for a concrete path (e.g. {@code postgresql.authentication.rewind.sslmode}): an exact
   * row first, then a row with placeholders; null when the path is in no state.
   */
  public static Key lookup(String path) {
    Key exact = KEYS.get(path);
    if (exact != null) {
      return exact;
    }
    String[] segs = path.split("\\.");
    Key best = null;
    int bestPlaceholders = Integer.MAX_VALUE;
    for (Key k : KEYS.values()) {
      String[] ks = k.path().split("\\.");
      if (ks.length != segs.length || k.path().indexOf('<') < 0) {
        continue;
      }
      int placeholders = 0;
      boolean match = true;
      for (int i = 0; i < ks.length && match; i++) {
        if (ks[i].startsWith("<")) {
          placeholders++;
          match = !ks[i].equals("<user>") || USERS.contains(segs[i]);
        } else {
          match = ks[i].equals(segs[i]);
        }
      }
      if (match && placeholders < bestPlaceholders) {
        best = k;
        bestPlaceholders = placeholders;
      }
    }
    return best;
  }

  /**
   * The row a whole section's row covers: {@code kubernetes.labels} is governed by {@code
   * kubernetes}. Used for variables such as PATRONI_KUBERNETES_LABELS.
   */
  public static Key lookupOrAncestor(String path) {
    String p = path;
    while (true) {
      Key k = lookup(p);
      if (k != null) {
        return k;
      }
      int dot = p.lastIndexOf('.');
      if (dot < 0) {
        return null;
      }
      p = p.substring(0, dot);
    }
  }

  /** Rows of variables that set no single key (PATRONI_CONFIGURATION...). */
  public static List<Key> envOnly() {
    List<Key> out = new ArrayList<>();
    for (Key k : KEYS.values()) {
      if (k.path().startsWith("-")) {
        out.add(k);
      }
    }
    return Collections.unmodifiableList(out);
  }

  // --- table builders

  private static void h(String path, String env, String why) {
    add(path, State.HONOURED, env, why, false, List.of(), Owner.CONFIG);
  }

  private static void w(String path, String env, String why, String... quiet) {
    add(path, State.WARNED, env, why, false, List.of(quiet), Owner.CONFIG);
  }

  /**
   * Warned, but the value is still parsed, validated and kept; no warning for the {@code quiet}
   * values.
   */
  private static void wv(String path, String env, String why, String... quiet) {
    add(path, State.WARNED, env, why, true, List.of(quiet), Owner.CONFIG);
  }

  /** Refused, except for the {@code accepted} values (Synod does exactly that). */
  private static void r(String path, String env, String why, String... accepted) {
    add(path, State.REFUSED, env, why, false, List.of(accepted), Owner.CONFIG);
  }

  private static void bridge(State s, String path, String env, String why) {
    add(path, s, env, why, false, List.of(), Owner.BRIDGES);
  }

  private static void env(String variable, State s, String why) {
    add("-" + variable, s, variable, why, false, List.of(), Owner.CONFIG);
  }

  private static void add(
      String path,
      State s,
      String env,
      String why,
      boolean validated,
      List<String> quiet,
      Owner owner) {
    List<String> vars = new ArrayList<>();
    for (String v : env.split(",")) {
      if (!v.isBlank()) {
        vars.add(v.trim());
      }
    }
    if (KEYS.put(path, new Key(path, s, vars, why, validated, quiet, owner)) != null) {
      throw new IllegalStateException("duplicate config key in the registry: " + path);
    }
  }

  private static String up(String k) {
    return k.toUpperCase(Locale.ROOT);
  }
}
