package io.synod.engine.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.synod.engine.testing.Await;
import io.synod.engine.testing.PgFixture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Permanent slots on two real PostgreSQL 15 servers, doing by hand what the leader's and the
 * replica's loops do: slots created on the primary, the logical one's state copied to the replica
 * and advanced there while it is in recovery, the replica promoted, and a consumer going on from
 * the copy without losing or repeating a change. Methods depend on their predecessors (ordered).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PermanentSlotsPgTest {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final Pattern ID = Pattern.compile("INSERT: id\\[integer\\]:(\\d+)");
  private static final PermanentSlots PERMANENT =
      PermanentSlots.of(
          Map.of(
              "cdc",
              Map.of("type", "logical", "database", "postgres", "plugin", "test_decoding"),
              "keep",
              Map.of("type", "physical")),
          List.of());

  private PgFixture fixture;
  private Postgres m1;
  private Postgres m2;

  /** Ids the consumer has received, in order. */
  private final List<Integer> consumed = new ArrayList<>();

  private int nextId = 1;

  @BeforeAll
  void setUp() {
    fixture = new PgFixture();
    m1 = fixture.postgres(logical(fixture.settings("m1")));
    m2 = fixture.postgres(logical(fixture.settings("m2")));
  }

  private static PgSettings logical(PgSettings s) {
    Map<String, String> params = new LinkedHashMap<>(s.parameters());
    params.put("wal_level", "logical");
    params.put("hot_standby_feedback", "on");
    return s.withParameters(params);
  }

  @AfterAll
  void tearDown() {
    fixture.close();
  }

  @Test
  @Order(1)
  void thePrimaryCreatesPermanentSlotsAndRecordsThem() throws Exception {
    m1.initdb();
    assertTrue(m1.start());
    m1.createUsers();
    m1.execute("CREATE TABLE t (id int primary key)");
    m1.execute("SELECT pg_create_logical_replication_slot('by_hand', 'test_decoding')");

    SlotChanges changes = m1.createOrUpdateSlots(Set.of("m1", "m2"), PERMANENT);
    assertEquals(Set.of("m2", "keep", "cdc"), Set.copyOf(changes.created()));
    assertEquals(
        "logical test_decoding postgres",
        m1.queryValue(
            "SELECT slot_type || ' ' || plugin || ' ' || database FROM pg_replication_slots"
                + " WHERE slot_name = 'cdc'"));
    assertEquals(
        "t",
        m1.queryValue(
            "SELECT restart_lsn IS NOT NULL FROM pg_replication_slots WHERE slot_name = 'keep'"));
    List<String> record = Files.readAllLines(m1.dataDir().resolve(Slots.RECORD_FILE));
    assertTrue(record.containsAll(List.of("cdc", "keep", "m2")), record.toString());
    assertFalse(record.contains("by_hand"), "a slot made by hand is not Synod's");
    assertFalse(m1.createOrUpdateSlots(Set.of("m1", "m2"), PERMANENT).changed());

    Map<String, Long> positions = m1.permanentSlotPositions(PERMANENT);
    assertEquals(Set.of("cdc", "keep"), positions.keySet());
    assertEquals(
        Lsn.parse(
            m1.queryValue(
                "SELECT confirmed_flush_lsn FROM pg_replication_slots WHERE slot_name = 'cdc'")),
        positions.get("cdc"));
  }

  @Test
  @Order(2)
  void theReplicaCopiesTheLogicalSlotFromThePrimary() throws Exception {
    m2.createReplica("127.0.0.1", m1.settings().port());
    m2.configureAsReplica("127.0.0.1", m1.settings().port(), "m1");
    assertTrue(m2.start());
    Await.until(WAIT, () -> "m2 streaming: " + m2.state(), () -> m2.state().isStreaming());

    // The slot was made before m2 was cloned: m2 has no WAL from its restart_lsn until the
    // consumer's confirmations move it on past a running-xacts record (a CHECKPOINT logs one).
    List<String> done = new ArrayList<>();
    Await.until(
        WAIT,
        () -> "cdc copied to m2 (" + done + ")",
        () -> {
          insertAndConsume(2);
          m1.execute("CHECKPOINT");
          awaitReplayed();
          String r = replicaLoop();
          if (r != null) {
            done.add(r);
          }
          return "1".equals(m2.queryValue(count("cdc")));
        });
    assertEquals(1, done.size(), done.toString());
    assertTrue(done.get(0).startsWith("copied logical slot(s) cdc"), done.toString());
    PgState st = m2.state();
    assertTrue(st.isReplica() && st.running(), st::toString);
    assertEquals("1", m2.queryValue(count("keep")), "the permanent physical slot is kept too");
    assertEquals(
        "logical test_decoding postgres",
        m2.queryValue(
            "SELECT slot_type || ' ' || plugin || ' ' || database FROM pg_replication_slots"
                + " WHERE slot_name = 'cdc'"));
    Path dir = m2.dataDir().resolve("pg_replslot").resolve("cdc");
    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)));
    assertEquals(
        "rw-------",
        PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("state"))));
    if (PgProcess.isRoot()) {
      assertEquals("postgres", Files.getOwner(dir.resolve("state")).getName());
    }
    assertTrue(
        Files.readAllLines(m2.dataDir().resolve(Slots.RECORD_FILE)).contains("cdc"),
        "a copied slot is Synod's: dropped when the configuration drops it");
    assertEquals("0", m2.queryValue(count("by_hand")), "only permanent slots are copied");
  }

  @Test
  @Order(3)
  void theCopyIsAdvancedInRecoveryToWhereThePrimarysConsumerConfirmed() {
    insertAndConsume(3);
    awaitReplayed();
    assertNull(replicaLoop(), "no copy, so no restart");
    assertEquals("t", m2.queryValue("SELECT pg_is_in_recovery()"));
    String confirmed =
        "SELECT confirmed_flush_lsn FROM pg_replication_slots WHERE slot_name = 'cdc'";
    assertEquals(m1.queryValue(confirmed), m2.queryValue(confirmed));
  }

  @Test
  @Order(4)
  void afterPromotionTheConsumerGoesOnFromTheCopy() {
    List<Integer> before = List.copyOf(consumed);
    // written and replicated but not yet consumed when the primary dies
    List<Integer> pending = insert(4);
    awaitReplayed();
    assertNull(replicaLoop());
    m1.stop(StopMode.IMMEDIATE);
    m2.promote(WAIT);

    List<Integer> after = consume(m2);
    assertEquals(pending, after, "exactly the changes after the last confirmed one");
    assertFalse(before.isEmpty());
    for (Integer id : after) {
      assertFalse(before.contains(id), "delivered twice: " + id);
    }
    List<Integer> more = insert(m2, 2);
    assertEquals(more, consume(m2), "the slot keeps working on the new primary");
  }

  @Test
  @Order(5)
  void removedPermanentSlotsAreDroppedExceptIgnoredOnesAndSlotsMadeByHand() {
    m2.execute("SELECT pg_create_logical_replication_slot('by_hand_2', 'test_decoding')");
    PermanentSlots onlyIgnore = PermanentSlots.of(Map.of(), List.of(Map.of("name", "keep")));
    SlotChanges gone = m2.createOrUpdateSlots(Set.of("m1", "m2"), onlyIgnore);
    assertEquals(List.of("cdc"), gone.dropped());
    assertEquals("1", m2.queryValue(count("keep")), "ignore_slots: never dropped");
    assertEquals("1", m2.queryValue(count("by_hand_2")), "not Synod's");
    assertEquals("1", m2.queryValue(count("m1")), "the other member's slot");
    SlotChanges keepGone = m2.createOrUpdateSlots(Set.of("m1", "m2"), PermanentSlots.NONE);
    assertEquals(List.of("keep"), keepGone.dropped());
    assertEquals("1", m2.queryValue(count("by_hand_2")));
  }

  // --- a consumer, and the replica's loop --------------------------------------------------

  private static String count(String slot) {
    return "SELECT count(*) FROM pg_replication_slots WHERE slot_name = '" + slot + "'";
  }

  private List<Integer> insert(int n) {
    return insert(m1, n);
  }

  private List<Integer> insert(Postgres pg, int n) {
    List<Integer> ids = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      ids.add(nextId);
      pg.execute("INSERT INTO t VALUES (" + nextId++ + ")");
    }
    return ids;
  }

  private void insertAndConsume(int n) {
    List<Integer> ids = insert(n);
    assertEquals(ids, consume(m1));
  }

  /** Reads and confirms every change, as a CDC consumer does; returns the inserted ids. */
  private List<Integer> consume(Postgres pg) {
    List<Integer> ids = new ArrayList<>();
    for (Map<String, String> row :
        pg.query("SELECT data FROM pg_logical_slot_get_changes('cdc', NULL, NULL)")) {
      Matcher m = ID.matcher(row.values().iterator().next());
      if (m.find()) {
        ids.add(Integer.parseInt(m.group(1)));
      }
    }
    consumed.addAll(ids);
    return ids;
  }

  private void awaitReplayed() {
    long lsn = Lsn.parse(m1.queryValue("SELECT pg_current_wal_lsn()"));
    Await.until(WAIT, "m2 replayed m1's WAL", () -> m2.state().replayLsn() >= lsn);
  }

  /** What a replica's housekeeping does with what the leader publishes. */
  private String replicaLoop() {
    Map<String, Long> published = new HashMap<>(m1.permanentSlotPositions(PERMANENT));
    Map<String, Long> positions = new HashMap<>();
    positions.put("m1", Lsn.parse(m1.queryValue("SELECT pg_current_wal_lsn()")));
    positions.put("keep", published.getOrDefault("keep", 0L));
    m2.copySlotsFromLeader(positions, PERMANENT);
    String r =
        m2.keepLogicalSlotsOnReplica(PERMANENT, published, "127.0.0.1", m1.settings().port());
    assertNotNull(m2.state());
    return r;
  }
}
