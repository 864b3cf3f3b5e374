package io.synod.engine.ha;

import io.synod.engine.postgres.PgControl;
import io.synod.engine.postgres.PgState;
import io.synod.engine.postgres.ReplicaTarget;
import io.synod.engine.postgres.RewindResult;
import io.synod.engine.postgres.SlotChanges;
import io.synod.engine.postgres.StopMode;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A PostgreSQL that only records what the HA engine asked of it, in one log shared with the fake
 * fence, so tests can check the order of steps (the fence before pg_promote, the stop before the
 * lock's release).
 */
class FakePg implements PgControl {
  /** The same system identifier as the test FakeStore's initialize key. */
  static final String SYSID = "7000000000000000001";

  final List<String> log;
  boolean running = true;
  boolean primary;
  long lsn = 1000;
  int timeline = 1;
  boolean stopFails;
  Runnable onPrePromote = () -> {};
  int prePromoteExit;
  String checkpoint = "0/5000028";

  FakePg(List<String> log) {
    this.log = log;
  }

  FakePg() {
    this(new CopyOnWriteArrayList<>());
  }

  @Override
  public PgState state() {
    return new PgState(
        true,
        false,
        running,
        running ? 42 : 0,
        running,
        running && !primary,
        timeline,
        primary ? lsn : 0,
        primary ? 0 : lsn,
        primary ? 0 : lsn,
        null,
        List.of(),
        SYSID,
        150000,
        Instant.EPOCH,
        false,
        running ? null : "shut down",
        null);
  }

  @Override
  public boolean isRunning() {
    return running;
  }

  @Override
  public Optional<ReplicaTarget> replicaTarget() {
    return Optional.empty();
  }

  @Override
  public boolean dataDirectoryEmpty() {
    return false;
  }

  @Override
  public String sysid() {
    return SYSID;
  }

  @Override
  public Map<String, String> controlData() {
    return Map.of(
        "Database cluster state",
        running ? "in production" : "shut down",
        "Latest checkpoint location",
        checkpoint);
  }

  @Override
  public Optional<String> timelineHistory(int tl) {
    return Optional.of((tl - 1) + "\t0/3000000\tno recovery target specified\n");
  }

  @Override
  public Duration pgCtlTimeout() {
    return Duration.ofSeconds(5);
  }

  @Override
  public Path logFile() {
    return Path.of("/dev/null");
  }

  @Override
  public void initdb() {
    log.add("pg.initdb");
  }

  @Override
  public void createUsers() {
    log.add("pg.createUsers");
  }

  @Override
  public int runPostBootstrap() {
    log.add("pg.postBootstrap");
    return postBootstrapExit;
  }

  /** What post_bootstrap exits with. */
  volatile int postBootstrapExit;

  @Override
  public void createReplica(String host, int port) {
    log.add("pg.createReplica");
  }

  @Override
  public RewindResult rewind(String leaderHost, int leaderPort) {
    log.add("pg.rewind");
    return new RewindResult(RewindResult.Status.REWOUND, "");
  }

  @Override
  public void removeDataDirectory() {
    log.add("pg.removeDataDirectory");
  }

  @Override
  public boolean configureAsPrimary() {
    log.add("pg.configureAsPrimary");
    return true;
  }

  @Override
  public boolean configureAsReplica(String h, int p, String name) {
    log.add("pg.configureAsReplica " + name);
    return true;
  }

  @Override
  public boolean configureAsStandby() {
    log.add("pg.configureAsStandby");
    return true;
  }

  @Override
  public void reload() {
    log.add("pg.reload");
  }

  @Override
  public boolean writeConfig() {
    return false;
  }

  @Override
  public boolean start(Duration timeout) {
    log.add("pg.start");
    running = true;
    return true;
  }

  @Override
  public void stop(StopMode mode, Duration timeout) {
    log.add("pg.stop " + mode);
    if (stopFails) {
      throw new io.synod.engine.postgres.PgException("pg_ctl stop timed out (test)");
    }
    running = false;
  }

  @Override
  public boolean restart(Duration timeout) {
    log.add("pg.restart");
    return true;
  }

  @Override
  public void promote() {
    log.add("pg.promote");
    primary = true;
    timeline++;
  }

  @Override
  public void execute(String sql) {
    log.add("pg.sql " + sql);
  }

  /** The members the last createOrUpdateSlots kept slots for. */
  volatile Set<String> slotMembers;

  /** The permanent slots the last createOrUpdateSlots / copySlotsFromLeader was given. */
  volatile io.synod.engine.postgres.PermanentSlots permanent;

  /** Replica: the positions the last copySlotsFromLeader was given. */
  volatile Map<String, Long> replicaPositions;

  /** Primary: what permanentSlotPositions answers. */
  volatile Map<String, Long> permanentPositions = Map.of();

  @Override
  public SlotChanges createOrUpdateSlots(
      Set<String> members, io.synod.engine.postgres.PermanentSlots permanent) {
    slotMembers = Set.copyOf(members);
    this.permanent = permanent;
    return new SlotChanges(List.of(), List.of());
  }

  @Override
  public Map<String, Long> permanentSlotPositions(
      io.synod.engine.postgres.PermanentSlots permanent) {
    return permanentPositions;
  }

  @Override
  public void copySlotsFromLeader(
      Map<String, Long> positions, io.synod.engine.postgres.PermanentSlots permanent) {
    replicaPositions = Map.copyOf(positions);
    this.permanent = permanent;
  }

  /** Replica: the published positions the last keepLogicalSlotsOnReplica was given. */
  volatile Map<String, Long> logicalPublished;

  @Override
  public String keepLogicalSlotsOnReplica(
      io.synod.engine.postgres.PermanentSlots permanent,
      Map<String, Long> published,
      String leaderHost,
      int leaderPort) {
    logicalPublished = Map.copyOf(published);
    return null;
  }

  io.synod.engine.postgres.SyncStandbyNames ssn;
  long syncSetAt;

  @Override
  public void setSynchronousStandbyNames(io.synod.engine.postgres.SyncStandbyNames value) {
    log.add("pg.ssn " + (value == null ? "unmanaged" : value.render()));
    ssn = value;
    syncSetAt = lsn;
  }

  @Override
  public io.synod.engine.postgres.SyncStandbyNames synchronousStandbyNames() {
    return ssn;
  }

  @Override
  public long syncSetAt() {
    return syncSetAt;
  }

  @Override
  public int runPrePromote() {
    log.add("pg.prePromote");
    onPrePromote.run();
    return prePromoteExit;
  }

  @Override
  public CompletableFuture<Integer> runCallback(String event, String role) {
    return CompletableFuture.completedFuture(null);
  }
}
