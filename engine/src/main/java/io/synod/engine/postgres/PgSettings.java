package io.synod.engine.postgres;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Everything {@link Postgres} needs to know about the local PostgreSQL, named after Patroni's
 * {@code postgresql} section. A plain value: the engine maps its YAML and dynamic configuration
 * into it, and hands a new instance to {@link Postgres#updateSettings} when the dynamic
 * configuration changes.
 *
 * @param name member name; also application_name for replication and the source of the slot name
 * @param dataDir PGDATA
 * @param binDir directory holding initdb, pg_ctl, postgres, pg_basebackup, pg_rewind,
 *     pg_controldata
 * @param listenHost listen_addresses (comma-separated; '*' allowed); the first entry is used for
 *     local connections
 * @param port port
 * @param connectHost the address other members use to reach this PostgreSQL
 * @param superuser superuser credentials; a null/empty password means trust authentication (dev
 *     only)
 * @param replication replication role credentials
 * @param rewind role pg_rewind uses on the source; null means use the superuser
 * @param parameters postgresql.parameters merged with the dynamic configuration
 * @param pgHba extra pg_hba.conf lines, appended after Synod's own
 * @param initdbArgs extra initdb options; "data-checksums" and "encoding=UTF8" forms get a "--"
 *     prefix
 * @param pgCtlTimeout default timeout for pg_ctl and friends (Patroni's pg_ctl_timeout, 60 s)
 * @param useSlots keep a physical replication slot per member on the primary, and use it as a
 *     replica
 * @param useRewind whether the HA loop may call {@link Postgres#rewind} (not enforced here)
 * @param removeDataDirectoryOnRewindFailure wipe PGDATA when pg_rewind fails so the node can be
 *     re-cloned
 * @param callbacks event (on_start, on_stop, on_restart, on_reload, on_role_change) to command
 * @param prePromote fencing command run before promotion; non-zero exit aborts it; null for none
 * @param postBootstrap command run once after the cluster is bootstrapped; null for none
 * @param clusterName scope; written as cluster_name and passed to callbacks
 * @param options everything else of Patroni's postgresql section Synod acts on ({@link PgOptions})
 */
public record PgSettings(
    String name,
    Path dataDir,
    Path binDir,
    String listenHost,
    int port,
    String connectHost,
    Credentials superuser,
    Credentials replication,
    Credentials rewind,
    Map<String, String> parameters,
    List<String> pgHba,
    List<String> initdbArgs,
    Duration pgCtlTimeout,
    boolean useSlots,
    boolean useRewind,
    boolean removeDataDirectoryOnRewindFailure,
    Map<String, String> callbacks,
    String prePromote,
    String postBootstrap,
    String clusterName,
    PgOptions options) {

  public static final Duration DEFAULT_PG_CTL_TIMEOUT = Duration.ofSeconds(60);

  /**
   * A role name, its password (may be null) and the other libpq options given for it (sslmode,
   * sslcert, sslkey, sslpassword, sslrootcert, sslcrl, sslcrldir, gssencmode, channel_binding,
   * sslnegotiation), which Synod passes wherever it connects as this role.
   */
  public record Credentials(String username, String password, Map<String, String> params) {
    public Credentials {
      Objects.requireNonNull(username, "username");
      if (username.isBlank()) {
        throw new IllegalArgumentException("blank username");
      }
      params = params == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(params));
    }

    public Credentials(String username, String password) {
      this(username, password, Map.of());
    }

    public boolean hasPassword() {
      return password != null && !password.isEmpty();
    }

    @Override
    public String toString() {
      return "Credentials[" + username + ", password=" + (hasPassword() ? "***" : "none") + "]";
    }
  }

  public PgSettings {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(dataDir, "dataDir");
    Objects.requireNonNull(binDir, "binDir");
    Objects.requireNonNull(superuser, "superuser");
    Objects.requireNonNull(replication, "replication");
    if (port <= 0 || port > 65535) {
      throw new IllegalArgumentException("bad port " + port);
    }
    dataDir = dataDir.toAbsolutePath().normalize();
    binDir = binDir.toAbsolutePath().normalize();
    listenHost = listenHost == null || listenHost.isBlank() ? "127.0.0.1" : listenHost.trim();
    connectHost = connectHost == null || connectHost.isBlank() ? "127.0.0.1" : connectHost.trim();
    parameters =
        parameters == null
            ? Map.of()
            : Collections.unmodifiableMap(new LinkedHashMap<>(parameters));
    pgHba = pgHba == null ? List.of() : List.copyOf(pgHba);
    initdbArgs = initdbArgs == null ? List.of() : List.copyOf(initdbArgs);
    pgCtlTimeout =
        pgCtlTimeout == null || pgCtlTimeout.isZero() || pgCtlTimeout.isNegative()
            ? DEFAULT_PG_CTL_TIMEOUT
            : pgCtlTimeout;
    callbacks =
        callbacks == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(callbacks));
    prePromote = blankToNull(prePromote);
    postBootstrap = blankToNull(postBootstrap);
    clusterName = blankToNull(clusterName);
    options = options == null ? PgOptions.defaults() : options;
  }

  /** The settings as before {@link PgOptions} existed: its defaults. */
  public PgSettings(
      String name,
      Path dataDir,
      Path binDir,
      String listenHost,
      int port,
      String connectHost,
      Credentials superuser,
      Credentials replication,
      Credentials rewind,
      Map<String, String> parameters,
      List<String> pgHba,
      List<String> initdbArgs,
      Duration pgCtlTimeout,
      boolean useSlots,
      boolean useRewind,
      boolean removeDataDirectoryOnRewindFailure,
      Map<String, String> callbacks,
      String prePromote,
      String postBootstrap,
      String clusterName) {
    this(
        name,
        dataDir,
        binDir,
        listenHost,
        port,
        connectHost,
        superuser,
        replication,
        rewind,
        parameters,
        pgHba,
        initdbArgs,
        pgCtlTimeout,
        useSlots,
        useRewind,
        removeDataDirectoryOnRewindFailure,
        callbacks,
        prePromote,
        postBootstrap,
        clusterName,
        PgOptions.defaults());
  }

  /** Where postgresql.conf, pg_hba.conf and pg_ident.conf live: config_dir, else PGDATA. */
  public Path configDir() {
    return options.configDir() == null ? dataDir : options.configDir().toAbsolutePath().normalize();
  }

  /** Same settings with other options. */
  public PgSettings withOptions(PgOptions newOptions) {
    return new PgSettings(
        name,
        dataDir,
        binDir,
        listenHost,
        port,
        connectHost,
        superuser,
        replication,
        rewind,
        parameters,
        pgHba,
        initdbArgs,
        pgCtlTimeout,
        useSlots,
        useRewind,
        removeDataDirectoryOnRewindFailure,
        callbacks,
        prePromote,
        postBootstrap,
        clusterName,
        newOptions);
  }

  /** Credentials pg_rewind uses on the source: the rewind role, else the superuser. */
  public Credentials rewindCredentials() {
    return rewind != null ? rewind : superuser;
  }

  /** Same settings with new PostgreSQL parameters (dynamic configuration change). */
  public PgSettings withParameters(Map<String, String> newParameters) {
    return new PgSettings(
        name,
        dataDir,
        binDir,
        listenHost,
        port,
        connectHost,
        superuser,
        replication,
        rewind,
        newParameters,
        pgHba,
        initdbArgs,
        pgCtlTimeout,
        useSlots,
        useRewind,
        removeDataDirectoryOnRewindFailure,
        callbacks,
        prePromote,
        postBootstrap,
        clusterName,
        options);
  }

  /** Same settings with new extra pg_hba lines. */
  public PgSettings withPgHba(List<String> newPgHba) {
    return new PgSettings(
        name,
        dataDir,
        binDir,
        listenHost,
        port,
        connectHost,
        superuser,
        replication,
        rewind,
        parameters,
        newPgHba,
        initdbArgs,
        pgCtlTimeout,
        useSlots,
        useRewind,
        removeDataDirectoryOnRewindFailure,
        callbacks,
        prePromote,
        postBootstrap,
        clusterName,
        options);
  }

  /** Same settings with other callbacks and pre_promote/post_bootstrap commands. */
  public PgSettings withCommands(
      Map<String, String> newCallbacks, String newPrePromote, String newPostBootstrap) {
    return new PgSettings(
        name,
        dataDir,
        binDir,
        listenHost,
        port,
        connectHost,
        superuser,
        replication,
        rewind,
        parameters,
        pgHba,
        initdbArgs,
        pgCtlTimeout,
        useSlots,
        useRewind,
        removeDataDirectoryOnRewindFailure,
        newCallbacks,
        newPrePromote,
        newPostBootstrap,
        clusterName,
        options);
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s;
  }
}
