package io.synod.engine;

import io.synod.config.DynamicConfig;
import io.synod.config.PgUser;
import io.synod.config.PostgresqlConfig;
import io.synod.config.SynchronousMode;
import io.synod.config.SynodConfig;
import io.synod.engine.postgres.DataMethods;
import io.synod.engine.postgres.PgOptions;
import io.synod.engine.postgres.PgSettings;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.LoggerFactory;

/** Maps the typed configuration onto what the PostgreSQL controller needs. */
final class PgSettingsFactory {
  private PgSettingsFactory() {}

  /**
   * @param majorVersion the PostgreSQL major version of the binaries (libpq options newer than it
   *     are left out); 0 = unknown
   */
  static PgSettings build(SynodConfig cfg, DynamicConfig dynamic, int majorVersion) {
    PostgresqlConfig p = cfg.postgresql();
    // Patroni: dynamic postgresql.parameters first, local ones override them.
    Map<String, String> params = new LinkedHashMap<>();
    dynamic.postgresqlParameters().forEach((k, v) -> params.put(k, String.valueOf(v)));
    p.parameters().forEach((k, v) -> params.put(k, String.valueOf(v)));
    if (dynamic.useSlots() && hasLogicalSlot(dynamic)) {
      // Patroni's rule: a replica's copy of a logical slot is only usable after a failover if the
      // primary kept the catalog rows it needs, which the replica's feedback asks for.
      String set = params.put("hot_standby_feedback", "on");
      if (set != null && !java.util.Set.of("on", "true", "1", "yes").contains(set.toLowerCase())) {
        LoggerFactory.getLogger(PgSettingsFactory.class)
            .warn(
                "postgresql.parameters.hot_standby_feedback: {} is overridden with on: the"
                    + " logical permanent slots in slots need it on every replica",
                set);
      }
    }
    // Patroni: a node's own pg_hba / pg_ident lines replace the dynamic ones.
    List<String> hba = p.pgHba().isEmpty() ? dynamic.pgHba() : p.pgHba();
    List<String> ident = p.pgIdent().isEmpty() ? dynamic.pgIdent() : p.pgIdent();
    String listenHost = p.listenHosts().isEmpty() ? "127.0.0.1" : String.join(",", p.listenHosts());
    Boolean localRewind = p.usePgRewind();
    // primary_stop_timeout applies only in synchronous mode (Patroni's rule).
    Duration stopTimeout =
        dynamic.synchronousMode() == SynchronousMode.OFF
            ? Duration.ZERO
            : dynamic.primaryStopTimeout();
    PgOptions options =
        new PgOptions(
            p.binName(),
            p.configDir(),
            ident,
            p.pgpass(),
            p.beforeStop(),
            stopTimeout,
            p.basebackupArgs(),
            p.rewindArgs(),
            p.customConf(),
            p.recoveryConf(),
            majorVersion,
            new DataMethods(
                cfg.bootstrap().method(),
                cfg.bootstrap().customMethod(),
                p.createReplicaMethods(),
                p.replicaMethods()),
            cfg.tags().nostream(),
            p.removeDataDirectoryOnDivergedTimelines());
    return new PgSettings(
        cfg.name(),
        p.dataDir(),
        p.resolveBinDir(),
        listenHost,
        p.listenPort(),
        p.connectHostPort().host(),
        creds(p.superuser()),
        creds(p.replication()),
        p.rewind() == null ? null : creds(p.rewind()),
        params,
        hba,
        cfg.bootstrap().initdbArgs(),
        Duration.ofSeconds(p.pgCtlTimeout()),
        dynamic.useSlots(),
        localRewind != null ? localRewind : dynamic.usePgRewind(),
        p.removeDataDirectoryOnRewindFailure(),
        p.callbacks().asMap(),
        p.prePromote(),
        cfg.bootstrap().postBootstrap(),
        cfg.scope(),
        options);
  }

  private static PgSettings.Credentials creds(PgUser u) {
    return new PgSettings.Credentials(u.username(), u.password(), u.connectionParams());
  }

  private static boolean hasLogicalSlot(DynamicConfig dynamic) {
    return dynamic.slots().values().stream()
        .anyMatch(v -> v instanceof Map<?, ?> m && "logical".equals(m.get("type")));
  }
}
