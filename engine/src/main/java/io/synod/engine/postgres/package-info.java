/**
 * Acts on the local PostgreSQL (Synod's counterpart of Patroni's {@code patroni/postgresql}
 * package): initdb, configuration files, start/stop/reload/promote, pg_basebackup clones,
 * pg_rewind, replication slots, roles, callbacks and a never-throwing state snapshot ({@link
 * io.synod.engine.postgres.Postgres#state()}). It performs what the HA loop decides and decides
 * nothing itself; all of Synod's PostgreSQL I/O lives here. {@link
 * io.synod.engine.postgres.Postgres} is the front class; bootstrap and clones are in {@code
 * Bootstrap}, pg_rewind in {@code Rewind}.
 *
 * <h2>Who owns which file</h2>
 *
 * Synod owns {@code postgresql.conf} and {@code pg_hba.conf}: both are regenerated from the
 * YAML/dynamic configuration (header "managed by Synod; edit the YAML instead"), so hand edits are
 * lost. initdb's original postgresql.conf is kept as {@code postgresql.base.conf} and included
 * first, so Synod's settings win (Patroni's layout). Standby settings (primary_conninfo,
 * primary_slot_name, recovery_target_timeline) are written into the generated postgresql.conf next
 * to {@code standby.signal}; recovery settings found in {@code postgresql.auto.conf} are removed.
 * {@code synod.slots} records the replication slots Synod created (the only ones it drops). Outside
 * PGDATA, next to it: {@code <member>-postgres.log} (server log, pg_ctl -l) and {@code
 * <member>-socket/} (unix socket directory; a socket inside PGDATA makes pg_rewind fail). Local
 * socket connections use trust only when the superuser has no password (development), scram-sha-256
 * otherwise; Synod itself always connects over TCP.
 *
 * <h2>root and the postgres user</h2>
 *
 * PostgreSQL refuses to run as root. When the JVM runs as root, every PostgreSQL binary (initdb,
 * pg_ctl, postgres, pg_basebackup, pg_rewind, pg_controldata) runs as the {@code postgres} OS user
 * via {@code runuser -u postgres --}, and every directory or file Synod creates for PostgreSQL is
 * chowned to postgres (directories 0700, files 0600). Otherwise everything runs as the JVM's user.
 * Passwords travel in PGPASSWORD, never on a command line. Callbacks and pre_promote/post_bootstrap
 * run as the JVM's user, as Patroni runs them as its own.
 *
 * <h2>Rewind</h2>
 *
 * pg_rewind requires a cleanly shut down target. If pg_control says the former primary crashed
 * (state other than "shut down"/"shut down in recovery"), Synod first runs crash recovery in
 * single-user mode ({@code postgres --single} with archive_command=false so no WAL is archived or
 * recycled, standby.signal set aside because single-user mode refuses standby mode), then runs
 * pg_rewind against the leader. Success leaves the node configured as that leader's standby;
 * failure deletes nothing unless remove_data_directory_on_rewind_failure is set, in which case
 * PGDATA is emptied and the caller should re-clone.
 */
package io.synod.engine.postgres;
