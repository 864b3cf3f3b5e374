package io.synod.engine.postgres;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Acts on the local PostgreSQL: the equivalent of Patroni's {@code patroni/postgresql} package. It
 * performs what the HA loop decides and never decides anything itself. Every external command has a
 * timeout; failures throw {@link PgException} naming the command and the tail of its stderr (or
 * server log). {@link #state()} never throws.
 *
 * <p>Lifecycle methods do not fire callbacks, except {@link #stop}, which fires on_stop as
 * Patroni's stop does (and runs before_stop first): the caller runs {@link #runCallback} for
 * on_start, on_stop, ... when it considers the event to have happened.
 *
 * <p>Files next to the data directory (its parent must be writable by the JVM's user): {@code
 * <member>-postgres.log} receives the server's stderr via {@code pg_ctl -l}, and {@code
 * <member>-socket/} is the unix socket directory. Both live outside PGDATA because pg_rewind fails
 * on a socket inside PGDATA (and both pg_basebackup and pg_rewind would copy a log file there).
 *
 * <p>This is the front class, as Patroni's {@code Postgresql}: every operation the HA loop calls is
 * a public method here, and larger pieces of work live in helpers, one file each: {@link Bootstrap}
 * (initdb, roles, pg_basebackup clones, post_bootstrap), {@link Rewind} (pg_rewind and its
 * crash-recovery step), {@link Slots}, {@link Roles}, {@link ConfigFiles}, {@link StateReader},
 * {@link Postmaster}, {@link Callbacks}. It stays above ~600 lines because what it owns is state
 * (settings, replica target, config lock, the shared connection) and the operations that guard it:
 * process control, config writing and the superuser connection.
 */
public final class Postgres implements PgControl, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Postgres.class);

  /** Room for {@code /.s.PGSQL.65535} within the 107-byte limit of a unix socket path. */
  private static final int MAX_SOCKET_DIR_LENGTH = 107 - 16;

  /**
   * Extra time given to our own process timeout so pg_ctl's -t fires first and reports properly.
   */
  private static final Duration PG_CTL_GRACE = Duration.ofSeconds(30);

  private static final long STOP_POLL_MS = 10;

  private volatile PgSettings settings;
  private volatile ReplicaTarget replicaTarget;
  private volatile String replicaProgress;
  private Instant timelineOf;
  private int standbyTimeline;

  /**
   * While a cluster restored by a custom bootstrap method recovers: its recovery_conf settings
   * (written with recovery.signal), and whether the restore's own recovery settings are kept
   * (keep_existing_recovery_conf: postgresql.auto.conf is not cleaned). Null otherwise.
   */
  private volatile BootstrapRecovery bootstrapRecovery;

  record BootstrapRecovery(Map<String, String> settings, boolean keepExisting) {}

  private volatile Path logFile;
  private final Object configLock = new Object();
  private final Callbacks callbacks = new Callbacks();
  private final Object sharedLock = new Object();
  private Connection shared;
  private final Bootstrap bootstrap = new Bootstrap(this);
  private final Rewind rewind = new Rewind(this, bootstrap);

  public Postgres(PgSettings settings) {
    this.settings = Objects.requireNonNull(settings, "settings");
    // An engine restarted under a running primary keeps its synchronous standbys: a config
    // rewrite before the HA loop re-decides must not turn replication asynchronous.
    this.managedSyncNames = ConfigFiles.managedSyncNames(settings.configDir());
    ConfigFiles.ignoredParameters(settings).forEach(log::warn);
    Libpq.notUsed(settings).forEach(log::warn);
  }

  public PgSettings settings() {
    return settings;
  }

  @Override
  public Duration pgCtlTimeout() {
    return settings.pgCtlTimeout();
  }

  @Override
  public Optional<String> timelineHistory(int timeline) {
    Path f = dataDir().resolve("pg_wal").resolve(String.format("%08X.history", timeline));
    try {
      return Files.exists(f)
          ? Optional.of(Files.readString(f, StandardCharsets.UTF_8))
          : Optional.empty();
    } catch (IOException e) {
      log.warn("cannot read {}: {}", f, e.toString());
      return Optional.empty();
    }
  }

  @Override
  public void copySlotsFromLeader(Map<String, Long> positions, PermanentSlots permanent) {
    if (!settings.useSlots()) {
      return;
    }
    try {
      withSharedConnection(
          settings.pgCtlTimeout(),
          c -> {
            Slots.keepOnReplica(c, dataDir(), settings.name(), positions, permanent);
            return null;
          });
    } catch (SQLException e) {
      throw new PgException("keeping the members' slots failed: " + e.getMessage(), e);
    }
  }

  /**
   * Replica: the permanent logical slots, advanced here, or copied from the leader's server when
   * missing. A copy stops this server, writes the slots' state files and starts it again, as
   * Patroni does (PostgreSQL before 16 cannot create a logical slot on a standby).
   *
   * @return what was done when the server was restarted for a copy, else null
   */
  @Override
  public String keepLogicalSlotsOnReplica(
      PermanentSlots permanent, Map<String, Long> published, String leaderHost, int leaderPort) {
    if (!settings.useSlots() || permanent.logical().isEmpty()) {
      return null;
    }
    Duration timeout = settings.pgCtlTimeout();
    List<LogicalSlots.Copy> copies;
    try {
      List<LogicalSlots.Need> needs =
          withSharedConnection(
              timeout,
              c ->
                  LogicalSlots.keepOnReplica(
                      c, db -> connect(timeout, null, 0, db), dataDir(), permanent, published));
      if (needs.isEmpty() || leaderHost == null) {
        return null;
      }
      String walLevel = queryValue("SHOW wal_level");
      if (!"logical".equals(walLevel)) {
        // PostgreSQL refuses to start with a logical slot below wal_level logical (FATAL)
        if (slotWarnings.add("wal_level " + walLevel)) {
          log.warn(
              "not copying logical slots here: this server runs with wal_level {}, and would not"
                  + " start with a logical slot (a local postgresql.parameters.wal_level, or a"
                  + " pending restart?)",
              walLevel);
        }
        return null;
      }
      try (Connection leader = connect(timeout, leaderHost, leaderPort, "postgres")) {
        copies =
            LogicalSlots.readFromPrimary(
                leader, needs.stream().map(LogicalSlots.Need::slot).toList());
      }
      long segmentSize =
          Long.parseLong(
              queryValue("SELECT setting FROM pg_settings WHERE name = 'wal_segment_size'"));
      copies =
          LogicalSlots.usable(
              copies, needs, dataDir().resolve("pg_wal"), segmentSize, installedSlotCopies);
    } catch (SQLException e) {
      throw new PgException("keeping the permanent logical slots failed: " + e.getMessage(), e);
    }
    if (copies.isEmpty()) {
      return null;
    }
    List<String> names = copies.stream().map(LogicalSlots.Copy::name).toList();
    log.info(
        "copying logical slots {} from the primary: stopping this replica to write them", names);
    closeShared();
    stop(StopMode.FAST, timeout, false);
    LogicalSlots.install(dataDir(), copies);
    copies.forEach(c -> installedSlotCopies.put(c.name(), c.restartLsn()));
    boolean up = start(timeout);
    runCallback("on_restart", "replica");
    return "copied logical slot(s) "
        + String.join(", ", names)
        + " from the primary and restarted"
        + (up ? "" : " (not accepting connections yet)");
  }

  /** Slot name to the restart_lsn of the copy last written here (not rewritten unchanged). */
  private final Map<String, Long> installedSlotCopies =
      new java.util.concurrent.ConcurrentHashMap<>();

  private final Set<String> slotWarnings = java.util.concurrent.ConcurrentHashMap.newKeySet();

  @Override
  public Map<String, Long> permanentSlotPositions(PermanentSlots permanent) {
    if (!settings.useSlots() || permanent.wanted().isEmpty()) {
      return Map.of();
    }
    try {
      return withSharedConnection(
          settings.pgCtlTimeout(), c -> LogicalSlots.positions(c, permanent));
    } catch (SQLException e) {
      throw new PgException("reading the permanent slots failed: " + e.getMessage(), e);
    }
  }

  /** null: synchronous_standby_names is not Synod's (postgresql.parameters decides). */
  private volatile SyncStandbyNames managedSyncNames;

  private volatile long syncSetAt;

  @Override
  public void setSynchronousStandbyNames(SyncStandbyNames value) {
    if (Objects.equals(value, managedSyncNames) && (value == null || syncSetAt > 0)) {
      return; // (a value read back from disk is applied once more, to learn where it took effect)
    }
    managedSyncNames = value;
    if (!hasCluster() || !writeConfig() || !isRunning()) {
      return;
    }
    reload();
    String want = value == null ? null : value.render();
    long deadline = System.nanoTime() + settings.pgCtlTimeout().toNanos();
    while (want != null) {
      String now = queryValue("SHOW synchronous_standby_names");
      if (want.equals(now)) {
        break;
      }
      if (System.nanoTime() > deadline) {
        throw new PgException(
            "synchronous_standby_names is still '"
                + now
                + "' after a reload (wanted '"
                + want
                + "')");
      }
      Postmaster.sleep(20);
    }
    String lsn =
        queryValue(
            "SELECT CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn()"
                + " ELSE pg_current_wal_lsn() END");
    syncSetAt = lsn == null ? 0 : Lsn.parse(lsn);
    log.info("synchronous_standby_names = '{}' (in effect from {})", want, lsn);
  }

  @Override
  public SyncStandbyNames synchronousStandbyNames() {
    return managedSyncNames;
  }

  @Override
  public long syncSetAt() {
    return syncSetAt;
  }

  /**
   * Replaces the settings (dynamic configuration changed). Call {@link #writeConfig()} and then
   * {@link #reload()} or a restart to apply them. The data directory and member name cannot change.
   */
  public void updateSettings(PgSettings newSettings) {
    Objects.requireNonNull(newSettings, "newSettings");
    if (!newSettings.dataDir().equals(settings.dataDir())
        || !newSettings.name().equals(settings.name())) {
      throw new IllegalArgumentException(
          "the data directory and member name of a Postgres cannot change");
    }
    ConfigFiles.ignoredParameters(newSettings).forEach(log::warn);
    if (!Libpq.notUsed(newSettings).equals(Libpq.notUsed(settings))) {
      Libpq.notUsed(newSettings).forEach(log::warn);
    }
    settings = newSettings;
  }

  public Path dataDir() {
    return settings.dataDir();
  }

  /**
   * The replication source set by {@link #configureAsReplica} (or a clone/rewind); empty after
   * {@link #configureAsPrimary}/{@link #configureAsStandby} and on a new instance (nothing is read
   * back from disk).
   */
  public Optional<ReplicaTarget> replicaTarget() {
    return Optional.ofNullable(replicaTarget);
  }

  /** Patroni's slot name for a member: lower-case, [a-z0-9_] only, at most 63 characters. */
  public static String slotNameFor(String member) {
    return Slots.slotNameFor(member);
  }

  /** True when PGDATA does not exist or is empty: the node needs initdb or a clone. */
  public boolean dataDirectoryEmpty() {
    return PgFiles.isMissingOrEmpty(dataDir());
  }

  // ---------------------------------------------------------------- bootstrap (Bootstrap, Rewind)

  /** {@link #initdb(Duration)} with pg_ctl_timeout (at least two minutes: initdb fsyncs a lot). */
  public void initdb() {
    Duration t = settings.pgCtlTimeout();
    initdb(t.compareTo(Duration.ofMinutes(2)) < 0 ? Duration.ofMinutes(2) : t);
  }

  /**
   * Creates a new cluster in the (missing or empty) data directory, with the superuser's password
   * set from the start (--pwfile) so that Synod's TCP connection can authenticate immediately, then
   * writes Synod's config. initdbArgs are passed through; UTF8 encoding is added unless an encoding
   * is given. See {@link Bootstrap}.
   */
  public void initdb(Duration timeout) {
    bootstrap.initdb(timeout);
  }

  /**
   * Runs the custom {@code bootstrap.method} into the missing or empty data directory (as the
   * postgres user: it writes PGDATA), then prepares the restored cluster's recovery as Patroni
   * does: recovery_conf written as PostgreSQL 12+ settings plus recovery.signal, or the restore's
   * own recovery settings kept (keep_existing_recovery_conf), or every recovery setting removed.
   * Start it, wait for {@link #inArchiveRecovery()} to end, then {@link #finishBootstrapRecovery}.
   * On failure the data directory is emptied. See {@link Bootstrap}.
   */
  @Override
  public void customBootstrap(Duration timeout) {
    bootstrap.customBootstrap(timeout);
  }

  /** No replication source; the signal files stay as they are (a restore's recovery). */
  void configureAsPrimaryKeepingSignals() {
    synchronized (configLock) {
      replicaTarget = null;
      writeConfig();
    }
  }

  /** Whether bootstrap.method is a custom method (not initdb). */
  @Override
  public boolean customBootstrapMethod() {
    return settings.options().methods().customBootstrap();
  }

  void bootstrapRecovery(BootstrapRecovery r) {
    bootstrapRecovery = r;
  }

  /**
   * After the restored cluster was promoted: drops the bootstrap recovery settings and configures
   * this node as a primary (then reload).
   */
  @Override
  public void finishBootstrapRecovery() {
    synchronized (configLock) {
      bootstrapRecovery = null;
      configureAsPrimary();
    }
    if (isRunning()) {
      reload();
    }
  }

  /**
   * pg_get_wal_replay_pause_state() of a server in recovery ("not paused", "pause requested",
   * "paused"); null when it cannot be asked.
   */
  @Override
  public String replayPauseState() {
    try {
      return queryValue("SELECT pg_get_wal_replay_pause_state()");
    } catch (RuntimeException e) {
      return null;
    }
  }

  /**
   * Creates or updates the roles Synod needs, on a running primary: the superuser (password), the
   * replication role (REPLICATION LOGIN) and, if configured, the rewind role with EXECUTE on the
   * functions pg_rewind calls.
   */
  public void createUsers() {
    bootstrap.createUsers();
  }

  // ---------------------------------------------------------------- configuration

  /**
   * Regenerates postgresql.conf, pg_hba.conf and (when lines are configured) pg_ident.conf from the
   * settings (and the replica target, if any) in config_dir (default PGDATA), moving initdb's
   * original postgresql.conf to postgresql.base.conf the first time, writes the .pgpass file when
   * one is configured, and strips recovery settings from postgresql.auto.conf. Writes only what
   * differs; returns whether anything changed. Does not reload.
   */
  public boolean writeConfig() {
    synchronized (configLock) {
      PgSettings s = settings;
      Path dir = s.dataDir();
      if (!Files.exists(dir.resolve("PG_VERSION"))) {
        throw new PgException(
            "writeConfig: " + dir + " holds no PostgreSQL cluster (no PG_VERSION)");
      }
      try {
        Path cfg = s.configDir();
        if (!cfg.equals(dir) && !Files.isDirectory(cfg)) {
          PgFiles.createPrivateDirectory(cfg);
        }
        writePgpass();
        boolean changed = adoptBaseConfig(dir, cfg);
        boolean standby = Files.exists(dir.resolve("standby.signal"));
        Path passfile = null;
        if (replicaTarget != null
            && s.replication().hasPassword()
            && s.options().pgpass() == null) {
          // No postgresql.pgpass: a private one next to PGDATA keeps the replication password out
          // of postgresql.conf (PostgreSQL logs primary_conninfo's value when it changes).
          passfile = pgpassFile();
          changed |= PgFiles.writeOwnedIfChanged(passfile, ConfigFiles.pgpass(s.replication()));
        }
        String conf =
            ConfigFiles.postgresqlConf(
                s,
                socketDir().toString(),
                replicaTarget,
                standby,
                managedSyncNames == null ? null : managedSyncNames.render(),
                passfile,
                bootstrapRecovery == null ? null : bootstrapRecovery.settings());
        changed |= PgFiles.writeOwnedIfChanged(cfg.resolve("postgresql.conf"), conf);
        changed |= PgFiles.writeOwnedIfChanged(cfg.resolve("pg_hba.conf"), ConfigFiles.pgHba(s));
        if (!s.options().pgIdent().isEmpty()) {
          changed |=
              PgFiles.writeOwnedIfChanged(cfg.resolve("pg_ident.conf"), ConfigFiles.pgIdent(s));
        }
        if (bootstrapRecovery == null || !bootstrapRecovery.keepExisting()) {
          changed |= sanitizeAutoConf(dir);
        }
        return changed;
      } catch (IOException | UncheckedIOException e) {
        throw new PgException("writeConfig: " + e.getMessage(), e);
      }
    }
  }

  /**
   * Makes this node a standby of the given leader: standby.signal plus primary_conninfo
   * (application_name = member name), primary_slot_name (when use_slots) and
   * recovery_target_timeline='latest' in postgresql.conf. Returns whether anything changed. A
   * running replica picks up a new source on {@link #reload()} (PostgreSQL 13+); a running primary
   * needs a restart to become a standby. With no cluster in PGDATA yet, only remembers the target
   * (so the data directory stays empty for {@link #createReplica}) and returns false.
   */
  public boolean configureAsReplica(String leaderHost, int leaderPort, String leaderName) {
    synchronized (configLock) {
      replicaTarget = new ReplicaTarget(leaderHost, leaderPort, leaderName);
      if (!hasCluster()) {
        return false;
      }
      boolean changed = writeSignal(dataDir().resolve("standby.signal"));
      return writeConfig() | changed;
    }
  }

  /**
   * Makes this node the standby leader of a standby cluster: a standby of the remote primary (its
   * primary_conninfo, slot and recovery settings from standby_cluster). Returns whether anything
   * changed; a running standby picks it up on {@link #reload()}.
   */
  public boolean configureAsStandbyLeader(io.synod.config.StandbyCluster sc) {
    synchronized (configLock) {
      replicaTarget = ReplicaTarget.remote(sc);
      if (!hasCluster()) {
        return false;
      }
      boolean changed = writeSignal(dataDir().resolve("standby.signal"));
      return writeConfig() | changed;
    }
  }

  /**
   * Makes this node a standby that replicates from nobody yet (standby.signal, no
   * primary_conninfo): Patroni's state for a replica while no leader is known, or for a demoted
   * primary. It replays what it has and waits; {@link #configureAsReplica} later names a source.
   * Returns whether anything changed.
   */
  public boolean configureAsStandby() {
    synchronized (configLock) {
      replicaTarget = null;
      if (!hasCluster()) {
        return false;
      }
      boolean changed = writeSignal(dataDir().resolve("standby.signal"));
      return writeConfig() | changed;
    }
  }

  /** Removes standby.signal and the standby settings; returns whether anything changed. */
  public boolean configureAsPrimary() {
    synchronized (configLock) {
      replicaTarget = null;
      if (!hasCluster()) {
        return false;
      }
      boolean changed;
      try {
        changed = Files.deleteIfExists(dataDir().resolve("standby.signal"));
      } catch (IOException e) {
        throw new PgException(
            "configureAsPrimary: cannot remove standby.signal: " + e.getMessage(), e);
      }
      return writeConfig() | changed;
    }
  }

  /** pg_ctl reload: re-reads postgresql.conf and pg_hba.conf. */
  public void reload() {
    if (!isRunning()) {
      throw new PgException("reload: PostgreSQL is not running in " + dataDir());
    }
    PgProcess.runPgChecked(
        "pg_ctl reload",
        List.of(bin("pg_ctl"), "reload", "-s", "-D", dataDir().toString()),
        null,
        settings.pgCtlTimeout());
  }

  // ---------------------------------------------------------------- process control

  /**
   * Whether a live postmaster owns the data directory (pid file + process table; no connection
   * attempt).
   */
  public boolean isRunning() {
    return Postmaster.livePid(dataDir()).isPresent();
  }

  public OptionalLong postmasterPid() {
    return Postmaster.livePid(dataDir()).map(OptionalLong::of).orElse(OptionalLong.empty());
  }

  /** The server log file (pg_ctl -l), next to the data directory. */
  public Path logFile() {
    Path f = logFile;
    return f != null ? f : defaultLogFile();
  }

  public boolean start() {
    return start(settings.pgCtlTimeout());
  }

  /**
   * Starts PostgreSQL with {@code pg_ctl start -w} and the server log going to {@link #logFile()}.
   * Returns true once it accepts connections, false if it is still starting when the timeout ends
   * (e.g. a replica that has not reached a consistent state): the postmaster then keeps running.
   * Throws if the server could not start. A pid file left by a crashed postmaster is handled:
   * orphaned backends are waited for (they exit when they notice their postmaster died), and a pid
   * file naming a zombie or an unrelated process is removed.
   */
  public boolean start(Duration timeout) {
    Path dir = dataDir();
    if (isRunning()) {
      log.info("PostgreSQL in {} is already running", dir);
      return Postmaster.readPidFile(dir)
          .map(p -> p.status().equals("ready") || p.status().equals("standby"))
          .orElse(false);
    }
    if (!Files.exists(dir.resolve("PG_VERSION"))) {
      throw new PgException("start: " + dir + " holds no PostgreSQL cluster (no PG_VERSION)");
    }
    long deadline = System.nanoTime() + timeout.toNanos();
    Postmaster.clearStalePidFile(dir, timeout);
    Postmaster.clearStaleSocketLocks(socketDirs(), settings.port());
    Path logf = ensureLogFile();
    while (true) {
      long from = size(logf);
      Duration left = remaining(deadline);
      List<String> cmd =
          new ArrayList<>(
              List.of(
                  bin("pg_ctl"),
                  "start",
                  "-w",
                  "-t",
                  seconds(left),
                  "-D",
                  dir.toString(),
                  "-l",
                  logf.toString()));
      Path configFile = configFile();
      if (configFile != null) {
        // pg_ctl hands -o to the server through a shell
        cmd.add("-o");
        cmd.add("--config-file='" + configFile.toString().replace("'", "'\\''") + "'");
      }
      PgProcess.Result r = PgProcess.runPg(cmd, null, left.plus(PG_CTL_GRACE));
      if (r.ok()) {
        log.info("PostgreSQL started in {}", dir);
        return true;
      }
      if (isRunning()) {
        log.warn(
            "PostgreSQL in {} is running but not yet accepting connections after {}", dir, timeout);
        return false;
      }
      String serverLog = readLog(logf, from);
      if (serverLog.contains("pre-existing shared memory block") && System.nanoTime() < deadline) {
        Postmaster.sleep(500); // backends of a killed postmaster are still detaching
        continue;
      }
      throw new PgException(
          "pg_ctl start failed: "
              + r.describe()
              + (serverLog.isBlank()
                  ? ""
                  : "; server log: " + PgProcess.tail(serverLog.strip(), PgProcess.TAIL_CHARS)));
    }
  }

  public void stop(StopMode mode) {
    stop(mode, settings.pgCtlTimeout());
  }

  /**
   * {@code pg_ctl stop -m mode -w}, as Patroni's stop: the before_stop script runs first
   * (synchronously, its exit code only logged), and the on_stop callback fires once the server
   * stopped. No-op when not running. In synchronous mode a primary that takes longer than
   * primary_stop_timeout to stop is ended with an immediate shutdown, then SIGKILL. Throws if it is
   * still running after the timeout.
   */
  public void stop(StopMode mode, Duration timeout) {
    stop(mode, timeout, true);
  }

  private void stop(StopMode mode, Duration timeout, boolean fireOnStop) {
    Path dir = dataDir();
    if (!isRunning()) {
      log.debug("PostgreSQL in {} is not running", dir);
      return;
    }
    PgSettings s = settings;
    String role = Files.exists(dir.resolve("standby.signal")) ? "replica" : "primary";
    if (s.options().beforeStop() != null) {
      int rc =
          callbacks.runSync(
              "before_stop", s.options().beforeStop(), List.of(), Map.of(), s.pgCtlTimeout());
      log.info("before_stop exited {}", rc);
    }
    Duration limit = timeout;
    boolean bounded = false;
    if (!s.options().primaryStopTimeout().isZero()
        && role.equals("primary")
        && mode != StopMode.IMMEDIATE) {
      limit = s.options().primaryStopTimeout();
      bounded = true;
    }
    PgProcess.Result r = pgCtlStop(mode, limit);
    if (r.ok() || !isRunning()) {
      log.info("PostgreSQL in {} stopped ({})", dir, mode.pgCtlName());
    } else if (bounded) {
      log.warn(
          "PostgreSQL in {} did not stop within primary_stop_timeout ({}): immediate shutdown",
          dir,
          limit);
      pgCtlStop(StopMode.IMMEDIATE, Duration.ofSeconds(5));
      if (isRunning()) {
        killPostmaster();
      }
    } else {
      throw new PgException("pg_ctl stop -m " + mode.pgCtlName() + " failed: " + r.describe());
    }
    if (fireOnStop) {
      runCallback("on_stop", role);
    }
  }

  /**
   * {@code pg_ctl stop -W} (signal only), then waits here for the postmaster to exit: pg_ctl's own
   * wait polls every 100 ms, which a switchover would pay on its critical path (the lock is
   * released only once PostgreSQL is down). The postmaster removes postmaster.pid, what pg_ctl
   * waits for, before it exits.
   */
  private PgProcess.Result pgCtlStop(StopMode mode, Duration timeout) {
    OptionalLong pid = postmasterPid();
    List<String> cmd =
        List.of(bin("pg_ctl"), "stop", "-m", mode.pgCtlName(), "-W", "-D", dataDir().toString());
    PgProcess.Result r = PgProcess.runPg(cmd, null, PG_CTL_GRACE);
    if (r.ok()
        && pid.isPresent()
        && !Postmaster.awaitExit(pid.getAsLong(), timeout, STOP_POLL_MS)) {
      return new PgProcess.Result(
          cmd, 1, "", "server did not shut down within " + timeout.toSeconds() + " s", false);
    }
    return r;
  }

  /** SIGKILL to the postmaster and every process in its data directory; waits until gone. */
  private void killPostmaster() {
    log.warn("sending SIGKILL to the postmaster of {} and its children", dataDir());
    List<Long> pids = new ArrayList<>(Postmaster.processesIn(dataDir()));
    Postmaster.livePid(dataDir()).ifPresent(pids::add);
    for (long pid : pids) {
      ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
    }
    long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (isRunning() && System.nanoTime() < until) {
      Postmaster.sleep(50);
    }
  }

  /**
   * Fast stop then start; returns what {@link #start(Duration)} returns. before_stop runs, but no
   * on_stop: the caller fires on_restart (Patroni's rule).
   */
  public boolean restart(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    stop(StopMode.FAST, timeout, false);
    return start(remaining(deadline));
  }

  public boolean restart() {
    return restart(settings.pgCtlTimeout());
  }

  // ---------------------------------------------------------------- role changes

  public void promote() {
    promote(settings.pgCtlTimeout());
  }

  /**
   * Promotes a running standby ({@code pg_ctl promote -w}) and returns once it accepts connections
   * out of recovery; then drops the standby settings from the config ({@link
   * #configureAsPrimary()}). No-op on a primary.
   */
  public void promote(Duration timeout) {
    if (!isRunning()) {
      throw new PgException("promote: PostgreSQL is not running in " + dataDir());
    }
    long deadline = System.nanoTime() + timeout.toNanos();
    if (!state().isPrimary()) {
      // pg_promote() over the open connection: no process to spawn (runuser + pg_ctl cost 100+ ms
      // on a
      // loaded host, and that is failover time); pg_ctl is the fallback when SQL is not possible.
      boolean viaSql;
      try {
        viaSql =
            withSharedConnection(
                timeout.plus(PG_CTL_GRACE),
                c -> {
                  try (java.sql.Statement st = c.createStatement();
                      java.sql.ResultSet rs = st.executeQuery("SELECT pg_promote(false)")) {
                    return rs.next() && rs.getBoolean(1);
                  }
                });
      } catch (SQLException e) {
        viaSql = false;
      }
      if (!viaSql) {
        PgProcess.runPgChecked(
            "pg_ctl promote",
            List.of(
                bin("pg_ctl"), "promote", "-w", "-t", seconds(timeout), "-D", dataDir().toString()),
            null,
            timeout.plus(PG_CTL_GRACE));
      }
      // pg_promote(wait) polls every 100 ms; polling ourselves every 20 ms shaves failover time
      PgState st = state();
      while (!st.isPrimary()) {
        if (System.nanoTime() > deadline) {
          throw new PgException(
              "promote: still not a primary after " + timeout + " (" + st.error() + ")");
        }
        Postmaster.sleep(20);
        st = state();
      }
      log.info("promoted {} (timeline {})", dataDir(), st.timeline());
    }
    configureAsPrimary();
  }

  public void createReplica(String leaderHost, int leaderPort) {
    createReplica(leaderHost, leaderPort, Duration.ofHours(1));
  }

  /**
   * Clones the leader into the missing or empty data directory with pg_basebackup (WAL streamed,
   * fast checkpoint) as the replication user, password passed through PGPASSWORD. The clone is
   * immediately made a standby of that leader (standby.signal + config) so it can never come up as
   * a second primary; call {@link #configureAsReplica} to name the leader or change the source. On
   * failure the data directory is emptied. See {@link Bootstrap}.
   */
  public void createReplica(String leaderHost, int leaderPort, Duration timeout) {
    bootstrap.createReplica(leaderHost, leaderPort, timeout, null);
  }

  @Override
  public void createReplica(String host, int port, List<String> methods) {
    bootstrap.createReplica(host, port, Duration.ofHours(1), methods);
  }

  /**
   * A standby's timeline as far as it is known: the highest seen since its postmaster started. The
   * figures SQL gives go back when they should not: the checkpoint's timeline lags a promotion
   * upstream until the next restartpoint, and the WAL receiver's vanishes with its connection (when
   * the primary dies), so a standby already on the new timeline would look diverged.
   */
  synchronized int standbyTimeline(Instant postmasterStart, int seen) {
    if (postmasterStart == null) {
      return seen;
    }
    if (!postmasterStart.equals(timelineOf)) {
      timelineOf = postmasterStart;
      standbyTimeline = 0;
    }
    standbyTimeline = Math.max(standbyTimeline, seen);
    return standbyTimeline;
  }

  /** What a replica creation is doing now ("35% (1.2 of 3.4 GB)"); null when none runs. */
  @Override
  public String replicaProgress() {
    return replicaProgress;
  }

  void replicaProgress(String figures) {
    replicaProgress = figures;
  }

  @Override
  public boolean removeDataOnDivergedTimelines() {
    return settings.options().removeOnDivergedTimelines();
  }

  @Override
  public boolean canCloneWithoutLeader() {
    return settings.options().methods().anyWorksWithoutLeader();
  }

  public RewindResult rewind(String leaderHost, int leaderPort) {
    return rewind(leaderHost, leaderPort, Duration.ofHours(1));
  }

  /**
   * Rewinds this stopped former primary onto the leader's timeline with pg_rewind (as the rewind
   * role, or the superuser). pg_rewind needs a cleanly shut down target, so a crashed one is first
   * run through crash recovery in single-user mode (standby.signal set aside, archive_command=false
   * so no WAL is archived or recycled). On success the node is configured as a standby of that
   * leader and the config files copied from the leader are regenerated. On failure nothing is
   * deleted unless remove_data_directory_on_rewind_failure is set. See {@link Rewind}.
   */
  public RewindResult rewind(String leaderHost, int leaderPort, Duration timeout) {
    return rewind.rewind(leaderHost, leaderPort, timeout);
  }

  /**
   * Deletes everything in the data directory (keeping the directory, its owner and mode) so the
   * node can be re-cloned. Refuses while PostgreSQL runs.
   */
  public void removeDataDirectory() {
    if (isRunning() || !Postmaster.processesIn(dataDir()).isEmpty()) {
      throw new PgException("removeDataDirectory: PostgreSQL processes still run in " + dataDir());
    }
    log.warn("removing the contents of {}", dataDir());
    PgFiles.deleteContents(dataDir());
  }

  // ---------------------------------------------------------------- slots

  /** {@link #createOrUpdateSlots(Set, PermanentSlots)} with no permanent slot configured. */
  public SlotChanges createOrUpdateSlots(Set<String> members) {
    return createOrUpdateSlots(members, PermanentSlots.NONE);
  }

  /**
   * On the primary: makes sure a physical slot exists for every member in the set except this one,
   * and for every permanent slot (logical ones in their database), and drops inactive slots Synod
   * created earlier that nothing names any more. Takes member names (slot names work too). Does
   * nothing when use_slots is off.
   */
  @Override
  public SlotChanges createOrUpdateSlots(Set<String> members, PermanentSlots permanent) {
    if (!settings.useSlots()) {
      return new SlotChanges(List.of(), List.of());
    }
    Duration timeout = settings.pgCtlTimeout();
    try {
      return withSharedConnection(
          timeout,
          c -> {
            SlotChanges physical = Slots.sync(c, dataDir(), settings.name(), members, permanent);
            SlotChanges logical =
                LogicalSlots.syncOnPrimary(
                    c, db -> connect(timeout, null, 0, db), dataDir(), permanent);
            List<String> created = new ArrayList<>(physical.created());
            created.addAll(logical.created());
            List<String> dropped = new ArrayList<>(physical.dropped());
            dropped.addAll(logical.dropped());
            return new SlotChanges(created, dropped);
          });
    } catch (SQLException e) {
      throw new PgException("createOrUpdateSlots failed: " + e.getMessage(), e);
    }
  }

  // ---------------------------------------------------------------- inspection

  /** A snapshot for the HA loop; never throws, see {@link PgState}. */
  public PgState state() {
    return StateReader.read(this);
  }

  /** Database system identifier from pg_control (works whether or not PostgreSQL runs). */
  public String sysid() {
    String id = controlData().get(ControlData.SYSTEM_IDENTIFIER);
    if (id == null) {
      throw new PgException("pg_controldata printed no \"" + ControlData.SYSTEM_IDENTIFIER + "\"");
    }
    return id;
  }

  public Map<String, String> controlData() {
    return controlData(Duration.ofSeconds(30));
  }

  /** pg_controldata parsed into "key" → "value" (see {@link ControlData} for key names). */
  public Map<String, String> controlData(Duration timeout) {
    PgProcess.Result r =
        PgProcess.runPgChecked(
            "pg_controldata",
            List.of(bin("pg_controldata"), "-D", dataDir().toString()),
            Map.of("LC_ALL", "C"),
            timeout);
    return ControlData.parse(r.stdout());
  }

  /**
   * A superuser JDBC connection over TCP to this server (first listen address, wildcards →
   * loopback), database postgres. Connect and login time out after 2-3 s; socketTimeout bounds
   * every statement.
   */
  public Connection connect(Duration socketTimeout) throws SQLException {
    return connect(socketTimeout, null, 0, "postgres");
  }

  /**
   * A superuser connection to {@code database} on {@code host:port}; a null host means this server
   * (the leader's server, for copying its logical slots, shares the superuser).
   */
  Connection connect(Duration socketTimeout, String otherHost, int otherPort, String database)
      throws SQLException {
    PgSettings s = settings;
    Properties p = new Properties();
    p.setProperty("user", s.superuser().username());
    if (s.superuser().hasPassword()) {
      p.setProperty("password", s.superuser().password());
    }
    p.setProperty("connectTimeout", "2");
    p.setProperty("loginTimeout", "3");
    p.setProperty("socketTimeout", seconds(socketTimeout));
    p.setProperty("tcpKeepAlive", "true");
    p.setProperty("ApplicationName", "synod");
    // postgresql.authentication.superuser's sslmode, sslcert, ... (pgjdbc's names)
    Libpq.jdbc(s.superuser(), s.options().majorVersion(), p);
    String host = otherHost != null ? otherHost : ConfigFiles.localHost(s.listenHost());
    int port = otherHost != null ? otherPort : s.port();
    if (host.contains(":")) {
      host = "[" + host + "]";
    }
    Connection c =
        new org.postgresql.Driver()
            .connect(
                "jdbc:postgresql://"
                    + host
                    + ":"
                    + port
                    + "/"
                    + java.net.URLEncoder.encode(database, StandardCharsets.UTF_8),
                p);
    if (c == null) {
      throw new SQLException("the PostgreSQL driver rejected the URL");
    }
    return c;
  }

  /** A call on a JDBC connection that may throw SQLException. */
  @FunctionalInterface
  public interface SqlCall<T> {
    T apply(Connection c) throws SQLException;
  }

  /**
   * Runs {@code call} on one long-lived superuser connection. The HA loop reads state every
   * loop_wait; a new connection each time costs a backend fork and a SCRAM exchange, which on a
   * loaded host can eat the lease's slack. A broken connection (PostgreSQL restarted) is replaced
   * once, then the error is thrown.
   */
  public <T> T withSharedConnection(Duration socketTimeout, SqlCall<T> call) throws SQLException {
    synchronized (sharedLock) {
      for (int attempt = 0; ; attempt++) {
        boolean fresh = shared == null;
        try {
          if (fresh) {
            shared = connect(socketTimeout);
          }
          return call.apply(shared);
        } catch (SQLException e) {
          closeShared();
          if (fresh || attempt > 0) {
            throw e;
          }
        }
      }
    }
  }

  private void closeShared() {
    synchronized (sharedLock) {
      if (shared != null) {
        try {
          shared.close();
        } catch (SQLException ignored) {
          // already broken
        }
        shared = null;
      }
    }
  }

  /** Runs one SQL statement as the superuser (e.g. CHECKPOINT after a promotion). */
  public void execute(String sql) {
    try (Connection c = connect(settings.pgCtlTimeout());
        Statement st = c.createStatement()) {
      st.execute(sql);
    } catch (SQLException e) {
      throw new PgException("SQL failed: " + e.getMessage(), e);
    }
  }

  /** Runs a query as the superuser; rows as column → text value, in column order. */
  public List<Map<String, String>> query(String sql) {
    try (Connection c = connect(settings.pgCtlTimeout());
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery(sql)) {
      ResultSetMetaData md = rs.getMetaData();
      List<Map<String, String>> rows = new ArrayList<>();
      while (rs.next()) {
        Map<String, String> row = new LinkedHashMap<>();
        for (int i = 1; i <= md.getColumnCount(); i++) {
          row.put(md.getColumnLabel(i), rs.getString(i));
        }
        rows.add(row);
      }
      return rows;
    } catch (SQLException e) {
      throw new PgException("SQL failed: " + e.getMessage(), e);
    }
  }

  /** First column of the first row, or null. */
  public String queryValue(String sql) {
    List<Map<String, String>> rows = query(sql);
    return rows.isEmpty() ? null : rows.get(0).values().iterator().next();
  }

  // ---------------------------------------------------------------- user commands

  /**
   * Runs the callback configured for event (on_start, on_stop, on_restart, on_reload,
   * on_role_change) as {@code <cmd> <event> <role> <scope>} without waiting. The future completes
   * with its exit code (logged), or with null when no command is configured for the event.
   */
  public CompletableFuture<Integer> runCallback(String event, String role) {
    PgSettings s = settings;
    return callbacks.runAsync(s.callbacks().get(event), event, role, s.clusterName());
  }

  /**
   * Runs pre_promote synchronously (pg_ctl_timeout); 0 when none is configured, -1 on timeout.
   * Non-zero: abort.
   */
  public int runPrePromote() {
    PgSettings s = settings;
    if (s.prePromote() == null) {
      return 0;
    }
    return callbacks.runSync("pre_promote", s.prePromote(), List.of(), Map.of(), s.pgCtlTimeout());
  }

  /**
   * {@link #runPostBootstrap(Duration)} with a 10 minute limit (Patroni has none; a hung script
   * must not block forever).
   */
  public int runPostBootstrap() {
    return runPostBootstrap(Duration.ofMinutes(10));
  }

  /**
   * Runs post_bootstrap synchronously with a libpq connection string to this server as its argument
   * (password in PGPASSWORD, as Patroni passes it through a pgpass file); 0 when none is
   * configured, -1 on timeout.
   */
  public int runPostBootstrap(Duration timeout) {
    return bootstrap.runPostBootstrap(callbacks, timeout);
  }

  /** Kills still-running callbacks. PostgreSQL itself keeps running. */
  @Override
  public void close() {
    closeShared();
    callbacks.close();
  }

  // ---------------------------------------------------------------- internals

  private boolean hasCluster() {
    return Files.exists(dataDir().resolve("PG_VERSION"));
  }

  /** A server binary, by the name {@code bin_name} gives it. */
  String bin(String name) {
    PgSettings s = settings;
    return s.binDir().resolve(s.options().binary(name)).toString();
  }

  /**
   * Writes postgresql.pgpass (0600, postgres-owned when Synod runs as root) with every role's
   * password, when configured; libpq reads it through PGPASSFILE and primary_conninfo's passfile.
   */
  void writePgpass() {
    PgSettings s = settings;
    Path f = s.options().pgpass();
    if (f == null) {
      return;
    }
    try {
      if (f.getParent() != null) {
        Files.createDirectories(f.getParent());
      }
    } catch (IOException e) {
      throw new PgException("postgresql.pgpass: cannot create " + f.getParent() + ": " + e, e);
    }
    PgFiles.writeOwnedIfChanged(f, Libpq.pgpass(s));
  }

  /** The server's configuration file when config_dir moves it out of PGDATA; else null. */
  Path configFile() {
    PgSettings s = settings;
    return s.configDir().equals(s.dataDir()) ? null : s.configDir().resolve("postgresql.conf");
  }

  /**
   * Moves a foreign postgresql.conf aside as postgresql.base.conf in the config directory
   * (Patroni's layout); returns whether it did.
   */
  private static boolean adoptBaseConfig(Path dir, Path cfg) throws IOException {
    Path base = cfg.resolve(ConfigFiles.BASE_CONF);
    if (Files.exists(base)) {
      return false;
    }
    Path conf = cfg.resolve("postgresql.conf");
    if (!Files.exists(conf) && !cfg.equals(dir)) {
      conf = dir.resolve("postgresql.conf"); // initdb wrote it into PGDATA
    }
    if (Files.exists(conf)
        && !Files.readString(conf, StandardCharsets.UTF_8).startsWith(ConfigFiles.HEADER)) {
      Files.move(conf, base);
      PgFiles.chownToPostgres(base);
    } else {
      PgFiles.writeOwned(
          base,
          "# initdb's postgresql.conf was not found; Synod's postgresql.conf has the settings\n");
    }
    return true;
  }

  /**
   * Drops recovery settings from postgresql.auto.conf: ours in postgresql.conf must be the only
   * ones.
   */
  private static boolean sanitizeAutoConf(Path dir) throws IOException {
    Path auto = dir.resolve("postgresql.auto.conf");
    if (!Files.exists(auto)) {
      return false;
    }
    List<String> lines = Files.readAllLines(auto, StandardCharsets.UTF_8);
    List<String> kept = new ArrayList<>();
    for (String line : lines) {
      String t = line.strip();
      int eq = t.indexOf('=');
      String key =
          eq > 0 ? t.substring(0, eq).strip().toLowerCase() : t.split("\\s+")[0].toLowerCase();
      if (!t.startsWith("#") && ConfigFiles.RECOVERY_KEYS.contains(key)) {
        log.warn("removing {} from postgresql.auto.conf: Synod manages recovery settings", key);
      } else {
        kept.add(line);
      }
    }
    if (kept.size() == lines.size()) {
      return false;
    }
    PgFiles.writeOwned(auto, String.join("\n", kept) + "\n");
    return true;
  }

  /** Runs {@code r} holding the lock that orders all config-file writes. */
  void underConfigLock(Runnable r) {
    synchronized (configLock) {
      r.run();
    }
  }

  /**
   * After a copy from the leader at host:port: replicate from it, keeping the member name already
   * known for the same address.
   */
  void followCopiedLeader(String leaderHost, int leaderPort) {
    synchronized (configLock) {
      ReplicaTarget t = replicaTarget;
      if (t == null || !t.host().equals(leaderHost) || t.port() != leaderPort) {
        replicaTarget = new ReplicaTarget(leaderHost, leaderPort, null);
      }
    }
  }

  /** The directories the server puts its unix socket in (unix_socket_directories, else ours). */
  private List<Path> socketDirs() {
    List<Path> dirs = new ArrayList<>();
    String configured = settings.parameters().get("unix_socket_directories");
    if (configured != null) {
      for (String d : configured.split(",")) {
        String t = d.strip().replace("'", "");
        if (!t.isEmpty() && t.startsWith("/")) {
          dirs.add(Path.of(t));
        }
      }
    } else {
      dirs.add(socketDir());
    }
    return dirs;
  }

  private Path defaultLogFile() {
    Path parent = dataDir().getParent();
    return parent.resolve(fileSafe(settings.name()) + "-postgres.log");
  }

  /**
   * Creates the log file owned by postgres (the server appends to it as postgres); falls back to
   * the temp dir.
   */
  private Path ensureLogFile() {
    Path f = defaultLogFile();
    try {
      if (!Files.exists(f)) {
        Files.createFile(
            f, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      }
      PgFiles.chownToPostgres(f);
    } catch (IOException | UncheckedIOException e) {
      Path fallback =
          Path.of(
              System.getProperty("java.io.tmpdir"),
              "synod-" + fileSafe(settings.name()) + "-postgres.log");
      log.warn("cannot create {} ({}); logging to {}", f, e.getMessage(), fallback);
      f = fallback;
      try {
        if (!Files.exists(f)) {
          Files.createFile(f);
        }
        PgFiles.chownToPostgres(f);
      } catch (IOException ex) {
        throw new PgException("cannot create a server log file: " + ex.getMessage(), ex);
      }
    }
    logFile = f;
    return f;
  }

  /**
   * The replication role's pgpass file, next to PGDATA (not inside it: pg_basebackup and pg_rewind
   * would copy it around), postgres-owned and 0600.
   */
  Path pgpassFile() {
    return dataDir().toAbsolutePath().getParent().resolve(fileSafe(settings.name()) + ".pgpass");
  }

  /**
   * A 0700 postgres-owned socket directory next to PGDATA, or /tmp when that is impossible or too
   * long.
   */
  private Path socketDir() {
    Path d = dataDir().getParent().resolve(fileSafe(settings.name()) + "-socket");
    if (d.toString().getBytes(StandardCharsets.UTF_8).length > MAX_SOCKET_DIR_LENGTH) {
      log.warn("socket directory path {} is too long for a unix socket; using /tmp", d);
      return Path.of("/tmp");
    }
    if (!Files.isDirectory(d)) {
      try {
        PgFiles.createPrivateDirectory(d);
      } catch (UncheckedIOException e) {
        log.warn("cannot create socket directory {} ({}); using /tmp", d, e.getMessage());
        return Path.of("/tmp");
      }
    }
    return d;
  }

  static boolean writeSignal(Path signal) {
    if (Files.exists(signal)) {
      return false;
    }
    PgFiles.writeOwned(signal, "");
    return true;
  }

  private static String readLog(Path f, long from) {
    try {
      return PgProcess.readFrom(f, from);
    } catch (IOException e) {
      return "";
    }
  }

  private static long size(Path f) {
    try {
      return Files.size(f);
    } catch (IOException e) {
      return 0;
    }
  }

  static String fileSafe(String name) {
    return name.replaceAll("[^A-Za-z0-9._-]", "_");
  }

  /** Time left until a deadline (System.nanoTime), at least one second. */
  static Duration remaining(long deadlineNanos) {
    long left = deadlineNanos - System.nanoTime();
    return Duration.ofNanos(Math.max(left, Duration.ofSeconds(1).toNanos()));
  }

  /** Whole seconds, rounded up, at least 1 (pg_ctl -t and JDBC timeouts take seconds). */
  static String seconds(Duration d) {
    return Long.toString(Math.max(1, (d.toMillis() + 999) / 1000));
  }
}
