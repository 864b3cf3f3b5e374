package io.synod.engine.postgres;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * The PostgreSQL operations the HA engine uses, and nothing else: {@link Postgres} implements it
 * against the real binaries, tests implement it with a recording fake so every HA action can be
 * unit-tested without a server. Each call acts; none decides.
 */
public interface PgControl {
  /** A snapshot for the HA loop; never throws. */
  PgState state();

  boolean isRunning();

  /** The replication source set by the last configureAsReplica (empty: none). */
  Optional<ReplicaTarget> replicaTarget();

  boolean dataDirectoryEmpty();

  /** Database system identifier from pg_control. */
  String sysid();

  /** pg_controldata as "key" to "value" (see {@link ControlData}). */
  Map<String, String> controlData();

  /**
   * The lines of {@code pg_wal/<timeline>.history} of this data directory (empty when there is no
   * such file, e.g. timeline 1).
   */
  Optional<String> timelineHistory(int timeline);

  Duration pgCtlTimeout();

  Path logFile();

  // --- bootstrap and cloning

  void initdb();

  void createUsers();

  /** Whether bootstrap.method is a custom method (a restore) rather than initdb. */
  default boolean customBootstrapMethod() {
    return false;
  }

  /**
   * Runs the custom bootstrap method into the empty data directory and prepares the restored
   * cluster's recovery; it is then started, recovers, and is promoted by PostgreSQL itself.
   */
  default void customBootstrap(Duration timeout) {
    throw new UnsupportedOperationException("custom bootstrap");
  }

  /** Ends the bootstrap recovery: its settings are dropped, the node configured as a primary. */
  default void finishBootstrapRecovery() {
    configureAsPrimary();
  }

  /** pg_get_wal_replay_pause_state() while in recovery; null when unknown. */
  default String replayPauseState() {
    return null;
  }

  int runPostBootstrap();

  /**
   * Creates this replica's data with create_replica_methods, from host:port (the leader or a
   * clonefrom member); host null: no leader, only the methods with no_leader run.
   */
  void createReplica(String host, int port);

  /** {@link #createReplica(String, int)} with these methods instead of create_replica_methods. */
  default void createReplica(String host, int port, java.util.List<String> methods) {
    createReplica(host, port);
  }

  /** The standby leader's replication source: the standby cluster's remote primary. */
  default boolean configureAsStandbyLeader(io.synod.config.StandbyCluster sc) {
    return configureAsReplica(sc.host(), sc.port(), sc.describe());
  }

  /** What a running replica creation is doing ("35% (1.2 of 3.4 GB)"); null when none runs. */
  default String replicaProgress() {
    return null;
  }

  /** remove_data_directory_on_diverged_timelines: copy a diverged replica again. */
  default boolean removeDataOnDivergedTimelines() {
    return false;
  }

  /** Some create_replica_methods entry works without a leader (no_leader: true). */
  default boolean canCloneWithoutLeader() {
    return false;
  }

  RewindResult rewind(String leaderHost, int leaderPort);

  void removeDataDirectory();

  // --- configuration

  boolean configureAsPrimary();

  boolean configureAsReplica(String leaderHost, int leaderPort, String leaderName);

  boolean configureAsStandby();

  void reload();

  boolean writeConfig();

  // --- process control

  boolean start(Duration timeout);

  void stop(StopMode mode, Duration timeout);

  boolean restart(Duration timeout);

  /** Promotes a running standby and returns once it accepts writes. */
  void promote();

  /** Runs one statement as the superuser (CHECKPOINT after a promotion). */
  void execute(String sql);

  // --- slots

  /**
   * Primary: a physical slot per member (except this one) and the permanent slots, physical and
   * logical; drops Synod's slots nothing needs any more (never one matching ignore_slots).
   */
  SlotChanges createOrUpdateSlots(Set<String> members, PermanentSlots permanent);

  /**
   * Primary: the permanent slots' positions for the status key (logical: confirmed_flush_lsn,
   * physical: restart_lsn), by slot name.
   */
  Map<String, Long> permanentSlotPositions(PermanentSlots permanent);

  /**
   * Replica: the members' and permanent physical slots kept here too, advanced to the leader's
   * positions (capped at what this node replayed), so a promotion finds them in place before
   * replicas reconnect. Keys are member or slot names.
   */
  void copySlotsFromLeader(Map<String, Long> positions, PermanentSlots permanent);

  /**
   * Replica: the permanent logical slots advanced to the leader's published positions, or copied
   * from the leader's server (at {@code leaderHost:leaderPort}) when missing, which restarts this
   * server. Returns what was done when it restarted, else null.
   */
  String keepLogicalSlotsOnReplica(
      PermanentSlots permanent, Map<String, Long> published, String leaderHost, int leaderPort);

  // --- synchronous replication

  /**
   * Sets synchronous_standby_names (in Synod's postgresql.conf, then a reload) and returns once the
   * server runs with it; then records the primary's WAL position as {@link #syncSetAt()}. Null
   * hands the setting back to postgresql.parameters (synchronous_mode off).
   */
  void setSynchronousStandbyNames(SyncStandbyNames value);

  /** What Synod manages synchronous_standby_names to (null: it does not). */
  SyncStandbyNames synchronousStandbyNames();

  /**
   * The primary's WAL position right after the last change of synchronous_standby_names took
   * effect: a standby whose flush position passed it has every commit acknowledged before the
   * change, and (while synchronous) every one after.
   */
  long syncSetAt();

  // --- user commands

  int runPrePromote();

  CompletableFuture<Integer> runCallback(String event, String role);

  /** before_stop: run synchronously before a planned stop of a primary; 0 when none. */
  default int runBeforeStop() {
    return 0;
  }
}
