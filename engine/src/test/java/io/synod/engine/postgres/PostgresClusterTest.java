package io.synod.engine.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.synod.engine.testing.Await;
import io.synod.engine.testing.PgFixture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * One two-node cluster on real PostgreSQL 15, walked through a failover: bootstrap m1, clone m2,
 * promote m2, rewind m1 back in as m2's replica, then crash handling. Methods depend on their
 * predecessors (ordered).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PostgresClusterTest {
  private static final Duration WAIT = Duration.ofSeconds(30);

  private PgFixture fixture;
  private Postgres m1;
  private Postgres m2;

  @BeforeAll
  void setUp() {
    fixture = new PgFixture();
    PgSettings s1 = fixture.settings("m1");
    Map<String, String> params = new LinkedHashMap<>(s1.parameters());
    params.put("work_mem", "7MB");
    params.put("port", "1"); // owned by Synod: must be ignored
    // Every statement is logged: the role passwords must still not be.
    params.put("log_statement", "all");
    params.put("log_min_duration_statement", "0");
    m1 =
        fixture.postgres(
            s1.withParameters(params)
                .withPgHba(List.of("host all all 10.11.12.0/24 scram-sha-256")));
    m2 = fixture.postgres(fixture.settings("m2"));
  }

  @AfterAll
  void tearDown() {
    fixture.close();
  }

  @Test
  @Order(1)
  void initdbConfigStartAndPrimaryState() throws Exception {
    PgState before = m1.state();
    assertFalse(before.running());
    assertTrue(before.dataDirEmpty());

    m1.initdb();
    Path dir = m1.dataDir();
    assertTrue(Files.readString(dir.resolve("postgresql.conf")).startsWith(ConfigFiles.HEADER));
    assertTrue(Files.exists(dir.resolve("postgresql.base.conf")), "initdb's config kept as base");
    assertTrue(Files.readString(dir.resolve("pg_hba.conf")).contains("10.11.12.0/24"));
    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)));
    if (PgProcess.isRoot()) {
      assertEquals("postgres", Files.getOwner(dir).getName());
      assertEquals("postgres", Files.getOwner(dir.resolve("postgresql.conf")).getName());
    }
    assertFalse(m1.writeConfig(), "regenerating unchanged settings changes nothing");

    assertTrue(m1.start());
    assertTrue(m1.isRunning());
    assertTrue(m1.postmasterPid().isPresent());
    PgState st = m1.state();
    assertTrue(st.isPrimary(), st::toString);
    assertEquals(1, st.timeline());
    assertTrue(st.currentLsn() > 0);
    assertEquals(st.currentLsn(), st.walPosition());
    assertTrue(st.serverVersion() >= 150000 && st.serverVersion() < 160000, st::toString);
    assertNotNull(st.postmasterStartTime());
    assertEquals(m1.sysid(), st.sysid());
    assertEquals("in production", m1.controlData().get(ControlData.CLUSTER_STATE));
    assertNull(st.error());
    assertTrue(Files.exists(m1.logFile()));
  }

  @Test
  @Order(2)
  void generatedConfigIsInEffect() {
    assertEquals("7MB", m1.queryValue("SHOW work_mem"));
    assertEquals("30", m1.queryValue("SHOW max_connections"));
    assertEquals(Integer.toString(m1.settings().port()), m1.queryValue("SHOW port"));
    assertEquals("synod-test", m1.queryValue("SHOW cluster_name"));
    assertEquals("on", m1.queryValue("SHOW wal_log_hints"));
    assertEquals("replica", m1.queryValue("SHOW wal_level"));
    assertEquals("128MB", m1.queryValue("SHOW wal_keep_size"));
    assertEquals(
        m1.dataDir().getParent().resolve("m1-socket").toString(),
        m1.queryValue("SHOW unix_socket_directories"));
    assertEquals(
        "0", m1.queryValue("SELECT count(*) FROM pg_hba_file_rules WHERE error IS NOT NULL"));
    assertEquals(
        "1", m1.queryValue("SELECT count(*) FROM pg_hba_file_rules WHERE address = '10.11.12.0'"));
    assertEquals(
        "1",
        m1.queryValue(
            "SELECT count(*) FROM pg_hba_file_rules"
                + " WHERE 'replication' = ANY(database) AND 'replicator' = ANY(user_name) AND address = '127.0.0.1'"));

    // a reloadable change: written, reloaded, visible
    Map<String, String> params = new LinkedHashMap<>(m1.settings().parameters());
    params.put("work_mem", "9MB");
    m1.updateSettings(m1.settings().withParameters(params));
    assertTrue(m1.writeConfig());
    m1.reload();
    Await.until(WAIT, "work_mem reloaded", () -> "9MB".equals(m1.queryValue("SHOW work_mem")));

    // a restart-only change: pending until restarted
    // (not max_connections: a replica may not have less than its primary)
    params.put("shared_buffers", "24MB");
    m1.updateSettings(m1.settings().withParameters(params));
    assertTrue(m1.writeConfig());
    m1.reload();
    Await.until(WAIT, "pending_restart", () -> m1.state().pendingRestart());
    assertTrue(m1.restart());
    assertEquals("24MB", m1.queryValue("SHOW shared_buffers"));
    assertFalse(m1.state().pendingRestart());
  }

  @Test
  @Order(3)
  void createUsers() throws Exception {
    m1.createUsers();
    m1.createUsers(); // idempotent
    m1.execute("SELECT 'statements are logged'");
    String log = Files.readString(m1.logFile());
    assertTrue(log.contains("statements are logged"), "log_statement = all is in effect");
    for (String secret : List.of("su-secret", "rep-secret", "rw-secret")) {
      assertFalse(log.contains(secret), "a role password is in PostgreSQL's log");
    }
    assertEquals(
        "t",
        m1.queryValue(
            "SELECT rolreplication AND rolcanlogin FROM pg_roles WHERE rolname = 'replicator'"));
    assertEquals("f", m1.queryValue("SELECT rolsuper FROM pg_roles WHERE rolname = 'rewinder'"));
    for (String fn : Roles.REWIND_FUNCTIONS) {
      assertEquals(
          "t",
          m1.queryValue("SELECT has_function_privilege('rewinder', '" + fn + "', 'execute')"),
          fn);
    }
    m1.execute("CREATE TABLE t (id int primary key, origin text)");
    m1.execute("INSERT INTO t VALUES (1, 'm1')");
  }

  @Test
  @Order(4)
  void replicaStreamsThroughItsSlot() {
    SlotChanges changes = m1.createOrUpdateSlots(Set.of("m1", "m2"));
    assertEquals(List.of("m2"), changes.created(), "a slot for every member except self");

    assertFalse(
        m2.configureAsReplica("127.0.0.1", m1.settings().port(), "m1"), "nothing to write yet");
    assertTrue(m2.dataDirectoryEmpty(), "must stay empty for the clone");
    m2.createReplica("127.0.0.1", m1.settings().port());
    assertTrue(
        Files.exists(m2.dataDir().resolve("standby.signal")), "a fresh clone is a standby at once");
    assertEquals(
        new ReplicaTarget("127.0.0.1", m1.settings().port(), "m1"),
        m2.replicaTarget().orElseThrow());
    assertFalse(
        m2.configureAsReplica("127.0.0.1", m1.settings().port(), "m1"), "already configured");
    // the clone copied m1's config; it must be regenerated with m2's own port
    assertTrue(m2.start());
    assertEquals(Integer.toString(m2.settings().port()), m2.queryValue("SHOW port"));

    Await.until(WAIT, () -> "m2 streaming: " + m2.state(), () -> m2.state().isStreaming());
    PgState st = m2.state();
    assertTrue(st.isReplica(), st::toString);
    assertEquals("127.0.0.1", st.walReceiver().senderHost());
    assertEquals(m1.settings().port(), st.walReceiver().senderPort());
    assertEquals("m2", st.walReceiver().slotName());
    assertEquals(1, st.timeline());
    assertEquals(m1.sysid(), st.sysid());

    m1.execute("INSERT INTO t VALUES (2, 'm1')");
    Await.until(
        WAIT,
        "row 2 on m2",
        () -> "1".equals(m2.queryValue("SELECT count(*) FROM t WHERE id = 2")));
    assertTrue(m2.state().replayLsn() > 0);

    assertEquals(
        "t", m1.queryValue("SELECT active FROM pg_replication_slots WHERE slot_name = 'm2'"));
    PgState primary = m1.state();
    assertEquals(1, primary.replication().size(), primary::toString);
    assertEquals("m2", primary.replication().get(0).applicationName());
    assertEquals("streaming", primary.replication().get(0).state());
    assertEquals("async", primary.replication().get(0).syncState());
  }

  @Test
  @Order(5)
  void slotsOfDepartedMembersAreDroppedButActiveOnesKept() {
    m1.execute("SELECT pg_create_physical_replication_slot('someone_elses')");
    assertEquals(List.of("m_3"), m1.createOrUpdateSlots(Set.of("m1", "m2", "M-3")).created());
    SlotChanges gone = m1.createOrUpdateSlots(Set.of("m1"));
    assertEquals(
        List.of("m_3"), gone.dropped(), "m2's slot is active: kept; someone_elses is not Synod's");
    assertEquals(
        "2",
        m1.queryValue(
            "SELECT count(*) FROM pg_replication_slots WHERE slot_name IN ('m2', 'someone_elses')"));
    m1.execute("SELECT pg_drop_replication_slot('someone_elses')");
    assertFalse(m1.createOrUpdateSlots(Set.of("m1", "m2")).changed());
  }

  @Test
  @Order(6)
  void promoteReplica() {
    long lsnBefore = m2.state().replayLsn();
    assertEquals(0, m2.runPrePromote(), "no pre_promote configured");
    m2.promote(WAIT);
    PgState st = m2.state();
    assertTrue(st.isPrimary(), st::toString);
    assertEquals(2, st.timeline());
    assertTrue(st.currentLsn() >= lsnBefore);
    assertFalse(Files.exists(m2.dataDir().resolve("standby.signal")));
    assertTrue(m2.replicaTarget().isEmpty());
    m2.execute("INSERT INTO t VALUES (3, 'm2')");
    m2.execute("CHECKPOINT");
  }

  @Test
  @Order(7)
  void rewindCrashedFormerPrimary() throws Exception {
    // m1 still believes it is primary: a write there diverges it from m2's timeline 2
    m1.execute("INSERT INTO t VALUES (100, 'lost on m1')");
    m1.stop(StopMode.IMMEDIATE);
    assertFalse(m1.isRunning());
    assertFalse(
        ControlData.cleanlyShutDown(m1.controlData()), "immediate stop leaves a crashed cluster");

    m2.createOrUpdateSlots(Set.of("m1", "m2"));
    RewindResult r = m1.rewind("127.0.0.1", m2.settings().port());
    assertTrue(r.ok(), r::toString);
    assertTrue(Files.exists(m1.dataDir().resolve("standby.signal")));
    assertTrue(
        Files.readString(m1.dataDir().resolve("postgresql.conf"))
            .contains("port = '" + m1.settings().port() + "'"),
        "config copied from m2 by pg_rewind is regenerated");

    m1.configureAsReplica("127.0.0.1", m2.settings().port(), "m2");
    assertTrue(m1.start());
    Await.until(WAIT, () -> "m1 streaming from m2: " + m1.state(), () -> m1.state().isStreaming());
    assertEquals(m2.settings().port(), m1.state().walReceiver().senderPort());
    m2.execute("INSERT INTO t VALUES (4, 'm2')");
    Await.until(
        WAIT,
        "row 4 on m1",
        () -> "1".equals(m1.queryValue("SELECT count(*) FROM t WHERE id = 4")));
    assertEquals(
        "0", m1.queryValue("SELECT count(*) FROM t WHERE id = 100"), "diverged write rewound away");
    assertEquals("1,2,3,4", m1.queryValue("SELECT string_agg(id::text, ',' ORDER BY id) FROM t"));
    assertEquals(2, m1.state().timeline());
  }

  @Test
  @Order(8)
  void killedPostmasterIsNotRunningAndRestarts() {
    long pid = m1.postmasterPid().orElseThrow();
    PgFixture.killPostmaster(m1);
    assertFalse(m1.isRunning());
    assertTrue(
        Files.exists(m1.dataDir().resolve("postmaster.pid")), "a crash leaves the pid file behind");
    PgState st = m1.state();
    assertFalse(st.running());
    assertFalse(st.acceptingConnections());
    assertEquals(0, st.postmasterPid());

    assertTrue(m1.start(), "the stale pid file must not block start");
    assertTrue(m1.postmasterPid().orElseThrow() != pid);
    Await.until(WAIT, () -> "m1 streaming again: " + m1.state(), () -> m1.state().isStreaming());
  }

  @Test
  @Order(9)
  void stateOfStoppedServer() {
    m1.stop(StopMode.FAST);
    m1.stop(StopMode.FAST); // no-op when stopped
    PgState st = m1.state();
    assertFalse(st.running());
    assertFalse(st.isPrimary());
    assertTrue(st.dataDirExists());
    assertFalse(st.dataDirEmpty());
    assertEquals(ControlData.SHUT_DOWN_IN_RECOVERY, st.clusterState());
    assertEquals(m2.sysid(), st.sysid());
    assertEquals(2, st.timeline());
    assertNotNull(st.error());
    assertThrows(PgException.class, m1::reload);
    assertThrows(PgException.class, () -> m1.execute("SELECT 1"));
  }

  @Test
  @Order(10)
  void standbyWithoutSourceReplaysAndWaits() throws Exception {
    assertTrue(m1.configureAsStandby());
    assertTrue(m1.replicaTarget().isEmpty());
    assertTrue(Files.exists(m1.dataDir().resolve("standby.signal")));
    assertFalse(
        Files.readString(m1.dataDir().resolve("postgresql.conf")).contains("primary_conninfo"));
    assertTrue(m1.start());
    PgState st = m1.state();
    assertTrue(st.isReplica(), st::toString);
    assertNull(st.walReceiver());
    assertFalse(st.isStreaming());
    assertEquals("4", m1.queryValue("SELECT count(*) FROM t"));
    m1.stop(StopMode.FAST);
  }

  @Test
  @Order(11)
  void failedRewindKeepsOrRemovesDataAsConfiguredThenReclone() throws Exception {
    // A source nobody listens on: pg_rewind stops before it touches anything, so the data stays
    // and the rewind is worth retrying.
    int deadPort = PgFixture.freePort();
    RewindResult unreachable = m1.rewind("127.0.0.1", deadPort, WAIT);
    assertEquals(RewindResult.Status.SOURCE_UNREACHABLE, unreachable.status());
    assertTrue(Files.exists(m1.dataDir().resolve("PG_VERSION")));
    assertTrue(Files.exists(m1.dataDir().resolve("standby.signal")), "still a standby");

    // A source that answers but is another cluster: pg_rewind really fails.
    Postgres other = fixture.postgres(fixture.settings("m3"));
    other.initdb();
    assertTrue(other.start());
    other.createUsers();
    RewindResult kept = m1.rewind("127.0.0.1", other.settings().port(), WAIT);
    assertEquals(RewindResult.Status.FAILED, kept.status(), kept::toString);
    assertTrue(kept.detail().contains("pg_rewind"), kept::toString);
    assertTrue(Files.exists(m1.dataDir().resolve("PG_VERSION")));
    assertTrue(Files.exists(m1.dataDir().resolve("standby.signal")), "still a standby");

    PgSettings s = m1.settings();
    m1.updateSettings(
        new PgSettings(
            s.name(),
            s.dataDir(),
            s.binDir(),
            s.listenHost(),
            s.port(),
            s.connectHost(),
            s.superuser(),
            s.replication(),
            s.rewind(),
            s.parameters(),
            s.pgHba(),
            s.initdbArgs(),
            s.pgCtlTimeout(),
            s.useSlots(),
            s.useRewind(),
            true,
            s.callbacks(),
            s.prePromote(),
            s.postBootstrap(),
            s.clusterName()));
    assertEquals(
        RewindResult.Status.SOURCE_UNREACHABLE,
        m1.rewind("127.0.0.1", deadPort, WAIT).status(),
        "an unreachable source never costs the data, even with remove_data_directory_on_rewind_failure");
    assertTrue(Files.exists(m1.dataDir().resolve("PG_VERSION")));
    RewindResult removed = m1.rewind("127.0.0.1", other.settings().port(), WAIT);
    other.stop(StopMode.FAST);
    assertEquals(RewindResult.Status.FAILED_DATA_REMOVED, removed.status(), removed::toString);
    assertTrue(m1.dataDirectoryEmpty());
    assertTrue(m1.state().dataDirEmpty());

    m1.createReplica("127.0.0.1", m2.settings().port());
    m1.configureAsReplica("127.0.0.1", m2.settings().port(), "m2");
    assertTrue(m1.start());
    Await.until(
        WAIT, () -> "re-cloned m1 streaming: " + m1.state(), () -> m1.state().isStreaming());
    assertEquals("4", m1.queryValue("SELECT count(*) FROM t"));
    assertThrows(
        PgException.class,
        () -> m1.createReplica("127.0.0.1", m2.settings().port()),
        "refuses a non-empty data directory");
    assertThrows(PgException.class, m1::initdb, "refuses a non-empty data directory");
  }
}
