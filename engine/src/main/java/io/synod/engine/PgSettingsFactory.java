package io.synod.engine;

import io.synod.config.DynamicConfig;
import io.synod.config.PgUser;
import io.synod.config.PostgresqlConfig;
import io.synod.config.SynodConfig;
import io.synod.engine.postgres.PgSettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Maps the typed configuration onto what the PostgreSQL controller needs. */
final class PgSettingsFactory {
  private PgSettingsFactory() {}

  static PgSettings build(SynodConfig cfg, DynamicConfig dynamic) {
    PostgresqlConfig p = cfg.postgresql();
    // Patroni: dynamic postgresql.parameters first, local ones override them.
    Map<String, String> params = new LinkedHashMap<>();
    dynamic.postgresqlParameters().forEach((k, v) -> params.put(k, String.valueOf(v)));
    p.parameters().forEach((k, v) -> params.put(k, String.valueOf(v)));
    List<String> hba = new ArrayList<>(dynamic.pgHba());
    hba.addAll(p.pgHba());
    String listenHost = p.listenHosts().isEmpty() ? "127.0.0.1" : String.join(",", p.listenHosts());
    Boolean localRewind = p.usePgRewind();
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
        cfg.scope());
  }

  private static PgSettings.Credentials creds(PgUser u) {
    return new PgSettings.Credentials(u.username(), u.password());
  }
}
