package io.synod.engine.ctl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.synod.engine.api.ApiHarness;
import io.synod.engine.postgres.PgSettings;
import io.synod.engine.postgres.Postgres;
import io.synod.engine.testing.PgFixture;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * synodctl query against a real PostgreSQL 15: the fake cluster's leader (node1) is that server;
 * node2 and node3 point at ports where nothing listens.
 */
class QueryIT {
  static PgFixture fixture;
  static PgSettings s;
  static ApiHarness h;

  @BeforeAll
  static void start() {
    fixture = new PgFixture();
    s = fixture.settings("query");
    Postgres pg = fixture.postgres(s);
    pg.initdb();
    pg.start();
    h = new ApiHarness("node2", Map.of(), null, Duration.ofSeconds(5)).threeNodes();
    h.store.member("node1", "primary", "running", 50 * ApiHarness.MB, Map.of(), s.port());
    h.store.member(
        "node2", "replica", "running", 50 * ApiHarness.MB, Map.of(), PgFixture.freePort());
    h.store.member(
        "node3", "replica", "running", 50 * ApiHarness.MB, Map.of(), PgFixture.freePort());
    h.serve();
    h.asReplica(50 * ApiHarness.MB);
  }

  @AfterAll
  static void stop() {
    if (h != null) {
      h.close();
    }
    if (fixture != null) {
      fixture.close();
    }
  }

  record Run(int code, String out, String err) {}

  private static final Map<String, String> PG =
      Map.of("PGUSER", "postgres", "PGPASSWORD", "su-secret");

  static Run ctl(String stdin, Map<String, String> env, String... args) {
    List<String> all = new ArrayList<>(List.of("--api", h.baseUrl()));
    all.addAll(List.of(args));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code =
        SynodCtl.run(
            all.toArray(new String[0]),
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8),
            new ByteArrayInputStream((stdin == null ? "" : stdin).getBytes(StandardCharsets.UTF_8)),
            env);
    return new Run(
        code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  @Test
  void runsSqlOnTheLeaderAndPrintsTsv() {
    Run r =
        ctl(null, PG, "query", "-c", "SELECT 1 AS one, 'a' AS two, NULL AS three, true AS four");
    assertEquals(0, r.code, r.err);
    assertEquals("one\ttwo\tthree\tfour\n1\ta\tNone\tTrue\n", r.out);
  }

  @Test
  void formatsDelimiterDatabaseAndFile() throws Exception {
    Run json =
        ctl(
            null,
            PG,
            "query",
            "--format",
            "json",
            "-d",
            "template1",
            "-c",
            "SELECT current_database() AS db, 2 AS n");
    assertEquals(0, json.code, json.err);
    JsonNode j = new ObjectMapper().readTree(json.out);
    assertEquals("template1", j.get(0).path("db").asText());
    assertEquals(2, j.get(0).path("n").asInt());
    Run semi = ctl(null, PG, "query", "--delimiter", ";", "-c", "SELECT 1 AS a, 2 AS b");
    assertEquals("a;b\n1;2\n", semi.out);
    Path sql = fixture.baseDir().resolve("q.sql");
    Files.writeString(
        sql, "CREATE TEMP TABLE t(x int); INSERT INTO t VALUES (7); SELECT x FROM t;");
    Run file = ctl(null, PG, "query", "-f", sql.toString());
    assertEquals(0, file.code, file.err);
    assertEquals("x\n7\n", file.out, "the last statement's rows");
    Run pretty = ctl(null, PG, "query", "--format", "pretty", "-c", "SELECT 1 AS a");
    assertTrue(pretty.out.contains("| a |"), pretty.out);
  }

  @Test
  void userAndPasswordFromOptionsAndThePrompt() {
    Run asked =
        ctl(
            "su-secret\n",
            Map.of(),
            "query",
            "-U",
            "postgres",
            "--password",
            "-c",
            "SELECT current_user AS u");
    assertEquals(0, asked.code, asked.err + asked.out);
    assertTrue(asked.out.endsWith("u\npostgres\n"), asked.out);
    Run wrong = ctl("wrong\n", Map.of(), "query", "-U", "postgres", "--password", "-c", "SELECT 1");
    assertEquals(1, wrong.code);
    assertTrue(wrong.out.contains("ERROR, SQLSTATE: 28P01"), wrong.out);
  }

  @Test
  void sqlErrorsPrintPatronictlsLineAndExitOne() {
    Run r = ctl(null, PG, "query", "-c", "SELECT * FROM no_such_table");
    assertEquals(1, r.code);
    assertTrue(
        r.out.matches("\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\tERROR, SQLSTATE: 42P01\n"),
        r.out);
  }

  @Test
  void roleAndMemberPickTheServer() {
    Run m = ctl(null, PG, "query", "-m", "node1", "-c", "SELECT pg_is_in_recovery() AS r");
    assertEquals("r\nFalse\n", m.out, m.err);
    Run primary = ctl(null, PG, "query", "-r", "primary", "-c", "SELECT 1 AS a");
    assertEquals(0, primary.code, primary.out + primary.err);
    // node2 is a replica in the store, but nothing listens on its port
    Run replica = ctl(null, PG, "query", "-r", "replica", "-c", "SELECT 1");
    assertEquals(1, replica.code);
    assertTrue(replica.out.contains("ERROR, SQLSTATE: 08001"), replica.out);
    Run nobody = ctl(null, PG, "query", "-m", "node9", "-c", "SELECT 1");
    assertEquals(1, nobody.code);
    assertTrue(nobody.out.contains("No connection to member node9 is available"), nobody.out);
  }
}
