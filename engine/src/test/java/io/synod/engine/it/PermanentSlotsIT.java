package io.synod.engine.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.synod.engine.postgres.Lsn;
import io.synod.engine.testing.Await;
import io.synod.engine.testing.ClusterFixture;
import io.synod.engine.testing.ClusterFixture.NodeProc;
import io.synod.engine.testing.LogsOnFailure;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Permanent slots on three real `synod run` nodes: a logical slot (test_decoding) and a physical
 * one in bootstrap.dcs.slots. A CDC consumer reads changes from the primary the way real ones do
 * (peek, deliver what is past its last confirmed LSN, then confirm with
 * pg_replication_slot_advance) until the kill -9 of the primary's whole node, then goes on from the
 * new primary's copy of the slot: every change arrives exactly once. Then PATCH /config changes the
 * permanent slots.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PermanentSlotsIT {
  static final Duration FORM = Duration.ofSeconds(180);
  static final Duration SETTLE = Duration.ofSeconds(120);
  static final Duration FAILOVER = Duration.ofSeconds(60);
  static final Pattern ID = Pattern.compile("INSERT: id\\[integer\\]:(\\d+)");
  static ClusterFixture cluster;

  /** Every id inserted, and every id the consumer delivered, in order. */
  static final List<Integer> inserted = new ArrayList<>();

  static final List<Integer> delivered = new ArrayList<>();

  /** The end LSN of the last transaction the consumer delivered and confirmed. */
  static long confirmed;

  static int nextId = 1;

  @RegisterExtension static final LogsOnFailure LOGS = new LogsOnFailure(() -> cluster);

  @BeforeAll
  static void start() throws Exception {
    cluster =
        new ClusterFixture(
            "it-slots",
            3,
            "    slots:\n"
                + "      cdc: {type: logical, database: postgres, plugin: test_decoding}\n"
                + "      keep: {type: physical}\n",
            List.of());
    // wal_level belongs in the dynamic parameters: Synod refuses a logical slot without it
    for (NodeProc n : cluster.nodes()) {
      String yml = Files.readString(n.yml);
      String withLogical =
          yml.replace(
              "        max_connections: 50\n",
              "        max_connections: 50\n        wal_level: logical\n");
      assertNotEquals(yml, withLogical, "the template's dynamic parameters moved");
      Files.writeString(n.yml, withLogical);
    }
    cluster.startAll();
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  static NodeProc leader() {
    Await.until(FAILOVER, "a leader", () -> cluster.leader() != null);
    return cluster.node(cluster.leader());
  }

  static String slotLine(NodeProc n, String slot) {
    try {
      return n.one(
          "SELECT slot_type || ' ' || coalesce(plugin, '-') || ' ' || coalesce(database, '-')"
              + " FROM pg_replication_slots WHERE slot_name = '"
              + slot
              + "'");
    } catch (SQLException e) {
      return "unreachable: " + e.getMessage();
    }
  }

  static long confirmedOn(NodeProc n) {
    try {
      String v =
          n.one("SELECT confirmed_flush_lsn FROM pg_replication_slots WHERE slot_name = 'cdc'");
      return v == null ? -1 : Lsn.parse(v);
    } catch (SQLException e) {
      return -1;
    }
  }

  static List<NodeProc> replicas() {
    return cluster.streamingReplicas().stream().map(cluster::node).toList();
  }

  @Test
  @Order(1)
  void slotsAreCreatedOnThePrimaryAndCopiedToTheReplicas() throws Exception {
    Await.until(
        FORM,
        () -> "1 leader + 2 streaming replicas; streaming=" + cluster.streamingReplicas(),
        () -> cluster.leader() != null && cluster.streamingReplicas().size() == 2);
    NodeProc leader = leader();
    Await.until(
        SETTLE,
        () -> "cdc and keep on " + leader.name,
        () ->
            "logical test_decoding postgres".equals(slotLine(leader, "cdc"))
                && "physical - -".equals(slotLine(leader, "keep")));
    assertEquals("logical", leader.one("SHOW wal_level"));
    leader.exec("CREATE TABLE data (id int primary key)");
    // The consumer works while the replicas copy the slot. A copy can only be taken once the
    // primary's slot has moved past where a replica's WAL begins (it was made before they were
    // cloned); the consumer's confirmations move it, on the running-xacts records checkpoints log.
    Await.until(
        SETTLE,
        () ->
            "both replicas' copies of cdc at the consumer's "
                + Lsn.format(confirmed)
                + ": "
                + replicas().stream().map(r -> r.name + " " + confirmedOn(r)).toList(),
        () -> {
          try {
            insert(leader, 1);
            leader.exec("CHECKPOINT");
            consume(leader);
            Thread.sleep(1000);
          } catch (Exception e) {
            throw new AssertionError(e);
          }
          return replicas().size() == 2
              && replicas().stream().allMatch(r -> confirmedOn(r) == confirmed);
        });
    for (NodeProc r : replicas()) {
      assertEquals("logical test_decoding postgres", slotLine(r, "cdc"), r.name);
      assertEquals("physical - -", slotLine(r, "keep"), r.name);
      assertEquals("t", r.one("SELECT pg_is_in_recovery()"), r.name);
      // (read once the copies are in: a replica restarts to take its copy)
      assertEquals("on", r.one("SHOW hot_standby_feedback"), r.name);
    }
    assertEquals(inserted, delivered);
  }

  @Test
  @Order(2)
  void afterKillingThePrimarysNodeTheConsumerGoesOnFromTheNewPrimaryLosingNothing()
      throws Exception {
    NodeProc old = leader();
    // Written but not consumed when the primary dies. The replicas' copies are at the consumer's
    // confirmed LSN (the previous test waited for that); here we wait for replication to catch up
    // (asynchronous replication, no synchronous_mode), so the new primary has these rows.
    insert(old, 3);
    long end = Lsn.parse(old.one("SELECT pg_current_wal_lsn()"));
    Await.until(
        SETTLE,
        "the replicas replayed " + Lsn.format(end),
        () ->
            replicas().stream()
                .allMatch(
                    r -> {
                      try {
                        return Lsn.parse(r.one("SELECT pg_last_wal_replay_lsn()")) >= end;
                      } catch (SQLException e) {
                        return false;
                      }
                    }));
    NodeProc next = cluster.crashAndAwaitNewPrimary(old, FAILOVER, "crash with a logical slot");
    assertEquals("logical test_decoding postgres", slotLine(next, "cdc"));
    consume(next);
    insert(next, 2);
    consume(next);
    assertEquals(inserted, delivered, "every change exactly once, across the failover");
  }

  @Test
  @Order(3)
  void patchingSlotsTakesEffectOnTheNextLoops() {
    NodeProc leader = leader();
    int code =
        cluster.post(
            leader.restPort,
            "/config",
            "{\"slots\": {\"keep\": null, \"extra\": {\"type\": \"physical\"}}}",
            "PATCH");
    assertEquals(200, code);
    Await.until(
        SETTLE,
        () -> "keep gone and extra made on " + leader.name + ": " + slotLine(leader, "extra"),
        () -> slotLine(leader, "keep") == null && "physical - -".equals(slotLine(leader, "extra")));
    Await.until(
        SETTLE,
        "the same on the streaming replica(s)",
        () ->
            !replicas().isEmpty()
                && replicas().stream()
                    .allMatch(
                        r ->
                            slotLine(r, "keep") == null
                                && "physical - -".equals(slotLine(r, "extra"))));
    assertEquals("logical test_decoding postgres", slotLine(leader, "cdc"));
    assertEquals(
        400,
        cluster.post(
            leader.restPort,
            "/config",
            "{\"postgresql\": {\"parameters\": {\"wal_level\": \"replica\"}}}",
            "PATCH"),
        "a logical slot without wal_level logical is refused");
  }

  // --- the consumer ------------------------------------------------------------------------

  static void insert(NodeProc n, int count) throws SQLException {
    for (int i = 0; i < count; i++) {
      n.exec("INSERT INTO data VALUES (" + nextId + ")");
      inserted.add(nextId++);
    }
  }

  /**
   * One round of a CDC consumer: peek at the slot, deliver the transactions that committed past its
   * confirmed LSN (a restarted consumer skips what it already had, as real ones do with their start
   * position), then confirm the last one so the server can let it go.
   */
  static void consume(NodeProc n) throws SQLException {
    try (Connection c = n.connect();
        Statement st = c.createStatement()) {
      List<Integer> tx = new ArrayList<>();
      long last = confirmed;
      try (ResultSet rs =
          st.executeQuery(
              "SELECT lsn, data FROM pg_logical_slot_peek_changes('cdc', NULL, NULL)")) {
        while (rs.next()) {
          String data = rs.getString(2);
          Matcher m = ID.matcher(data);
          if (data.startsWith("BEGIN")) {
            tx.clear();
          } else if (m.find()) {
            tx.add(Integer.parseInt(m.group(1)));
          } else if (data.startsWith("COMMIT")) {
            long end = Lsn.parse(rs.getString(1)); // the commit record's end
            if (end > last) {
              delivered.addAll(tx);
              last = end;
            }
            tx.clear();
          }
        }
      }
      if (last > confirmed) {
        st.execute("SELECT pg_replication_slot_advance('cdc', '" + Lsn.format(last) + "')");
        confirmed = last;
      }
    }
  }
}
