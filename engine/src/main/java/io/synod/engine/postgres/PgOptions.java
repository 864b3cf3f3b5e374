package io.synod.engine.postgres;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The rest of Patroni's {@code postgresql} section that changes how Synod runs PostgreSQL, beside
 * the core of {@link PgSettings}. Every field has a default that keeps the behaviour Synod had
 * before it existed ({@link #defaults()}).
 *
 * @param binName Patroni's {@code bin_name}: binary (pg_ctl, initdb, postgres, pg_basebackup,
 *     pg_rewind, pg_controldata, pg_isready) to the name to run instead; absent = standard name
 * @param configDir where postgresql.conf, pg_hba.conf and pg_ident.conf are written; null = PGDATA
 * @param pgIdent pg_ident.conf lines (the node's own, else the dynamic ones); empty = the file is
 *     left alone
 * @param pgpass a .pgpass file Synod writes (0600) with every role's password and hands to libpq
 *     (PGPASSFILE, primary_conninfo passfile) instead of PGPASSWORD; null = PGPASSWORD
 * @param beforeStop script run synchronously before PostgreSQL is stopped; null = none
 * @param primaryStopTimeout in synchronous mode, how long stopping a primary may take before it is
 *     ended with an immediate shutdown and then SIGKILL (Patroni's rule); zero = no limit
 * @param basebackupArgs extra pg_basebackup options ({@code postgresql.basebackup})
 * @param rewindArgs extra pg_rewind options ({@code postgresql.rewind})
 * @param customConf a postgresql.conf included instead of postgresql.base.conf; null = the base
 * @param recoveryConf extra standby settings ({@code postgresql.recovery_conf}), e.g.
 *     restore_command
 * @param majorVersion PostgreSQL major version of the binaries (libpq options newer than it are
 *     left out); 0 = unknown
 * @param methods bootstrap.method and create_replica_methods ({@link DataMethods})
 * @param noStream Patroni's {@code tags.nostream}: as a replica, no primary_conninfo and no slot;
 *     WAL comes from restore_command (the archive) only
 * @param removeOnDivergedTimelines {@code remove_data_directory_on_diverged_timelines}: a replica
 *     whose timeline diverged and that cannot be rewound is copied again
 */
public record PgOptions(
    Map<String, String> binName,
    Path configDir,
    List<String> pgIdent,
    Path pgpass,
    String beforeStop,
    Duration primaryStopTimeout,
    List<String> basebackupArgs,
    List<String> rewindArgs,
    Path customConf,
    Map<String, String> recoveryConf,
    int majorVersion,
    DataMethods methods,
    boolean noStream,
    boolean removeOnDivergedTimelines) {

  public PgOptions {
    binName =
        binName == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(binName));
    pgIdent = pgIdent == null ? List.of() : List.copyOf(pgIdent);
    beforeStop = beforeStop == null || beforeStop.isBlank() ? null : beforeStop;
    primaryStopTimeout =
        primaryStopTimeout == null || primaryStopTimeout.isNegative()
            ? Duration.ZERO
            : primaryStopTimeout;
    basebackupArgs = basebackupArgs == null ? List.of() : List.copyOf(basebackupArgs);
    rewindArgs = rewindArgs == null ? List.of() : List.copyOf(rewindArgs);
    recoveryConf =
        recoveryConf == null
            ? Map.of()
            : Collections.unmodifiableMap(new LinkedHashMap<>(recoveryConf));
    methods = methods == null ? DataMethods.defaults() : methods;
  }

  /** Streaming from the leader or a replicatefrom member (not nostream). */
  public PgOptions(
      Map<String, String> binName,
      Path configDir,
      List<String> pgIdent,
      Path pgpass,
      String beforeStop,
      Duration primaryStopTimeout,
      List<String> basebackupArgs,
      List<String> rewindArgs,
      Path customConf,
      Map<String, String> recoveryConf,
      int majorVersion,
      DataMethods methods) {
    this(
        binName,
        configDir,
        pgIdent,
        pgpass,
        beforeStop,
        primaryStopTimeout,
        basebackupArgs,
        rewindArgs,
        customConf,
        recoveryConf,
        majorVersion,
        methods,
        false,
        false);
  }

  /** Without custom methods: initdb and basebackup. */
  public PgOptions(
      Map<String, String> binName,
      Path configDir,
      List<String> pgIdent,
      Path pgpass,
      String beforeStop,
      Duration primaryStopTimeout,
      List<String> basebackupArgs,
      List<String> rewindArgs,
      Path customConf,
      Map<String, String> recoveryConf,
      int majorVersion) {
    this(
        binName,
        configDir,
        pgIdent,
        pgpass,
        beforeStop,
        primaryStopTimeout,
        basebackupArgs,
        rewindArgs,
        customConf,
        recoveryConf,
        majorVersion,
        null);
  }

  public static PgOptions defaults() {
    return new PgOptions(null, null, null, null, null, null, null, null, null, null, 0);
  }

  /** The name to run for a binary ({@code bin_name}), else the binary itself. */
  public String binary(String name) {
    return binName.getOrDefault(name, name);
  }
}
