package io.synod.engine.postgres;

import static org.junit.jupiter.api.Assertions.*;

import io.synod.engine.testing.Await;
import io.synod.engine.testing.PgFixture;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * create_replica_methods on real PostgreSQL 15: methods tried in order with Patroni's arguments, a
 * failing one falling through to the next, no_leader methods when there is no leader, and every
 * failure reported with the data directory left empty.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ReplicaMethodsTest {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private PgFixture fixture;
  private Postgres primary;
  private Path scripts;

  /**
   * A replica method script: writes its arguments (one per line) to {@code <name>.args}, then
   * clones with pg_basebackup from --connstring (or, without one, from --source_port, a method key)
   * into --datadir.
   */
  private static final String CLONE_SCRIPT =
      """
      #!/bin/bash
      set -eu
      out="$(dirname "$0")/$(basename "$0").args"
      printf '%s\\n' "$@" > "$out"
      for a in "$@"; do
        case "$a" in
          --datadir=*) datadir="${a#--datadir=}" ;;
          --connstring=*) conn="${a#--connstring=}" ;;
          --source_port=*) port="${a#--source_port=}" ;;
        esac
      done
      if [ -z "${conn:-}" ]; then conn="host=127.0.0.1 port=$port user=replicator"; fi
      /usr/lib/postgresql/15/bin/pg_basebackup -D "$datadir" -X stream -c fast -w -d "$conn"
      """;

  @BeforeAll
  void setUp() throws IOException {
    fixture = new PgFixture();
    primary = fixture.postgres(fixture.settings("primary"));
    primary.initdb();
    assertTrue(primary.start());
    primary.createUsers();
    primary.execute("CREATE TABLE t (v text); INSERT INTO t VALUES ('on the primary')");
    scripts = fixture.baseDir().resolve("scripts");
    Files.createDirectories(scripts);
    Files.setPosixFilePermissions(scripts, PosixFilePermissions.fromString("rwxrwxrwx"));
    for (String name : List.of("clone", "restore")) {
      Path f = scripts.resolve(name);
      Files.writeString(f, CLONE_SCRIPT);
      Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
  }

  @AfterAll
  void tearDown() {
    fixture.close();
  }

  private Postgres member(String name, List<String> order, Map<String, Map<String, Object>> m) {
    PgSettings s = fixture.settings(name);
    DataMethods methods = new DataMethods(null, null, order, m);
    PgOptions o = s.options().withMethods(methods);
    return fixture.postgres(s.withOptions(o));
  }

  private static Map<String, Object> section(Object... kv) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put((String) kv[i], kv[i + 1]);
    }
    return m;
  }

  private List<String> argsOf(String script) throws IOException {
    return Files.readAllLines(scripts.resolve(script + ".args"));
  }

  @Test
  void aFailingMethodFallsThroughToTheNextWhichGetsPatronisArguments() throws Exception {
    Postgres r =
        member(
            "r1",
            List.of("broken", "clone", "basebackup"),
            Map.of(
                "broken", section("command", "/bin/false"),
                "clone",
                    section("command", scripts.resolve("clone").toString(), "stanza", "main")));
    r.createReplica("127.0.0.1", primary.settings().port());
    List<String> args = argsOf("clone");
    assertEquals("--stanza=main", args.get(0), args.toString());
    assertEquals("--scope=synod-test", args.get(1));
    assertEquals("--role=replica", args.get(2));
    assertEquals("--datadir=" + r.dataDir(), args.get(3));
    assertEquals(
        "--connstring=dbname=postgres host=127.0.0.1 port="
            + primary.settings().port()
            + " user=replicator",
        args.get(4));
    assertTrue(Files.exists(r.dataDir().resolve("standby.signal")), "a standby at once");
    primary.createOrUpdateSlots(java.util.Set.of("r1")); // the leader's part, done by its loop
    assertTrue(r.start());
    Await.until(WAIT, () -> "r1 streaming: " + r.state(), () -> r.state().isStreaming());
    assertEquals("on the primary", r.queryValue("SELECT v FROM t"));
    assertEquals(primary.sysid(), r.sysid());
    r.stop(StopMode.FAST, WAIT);
  }

  @Test
  void withoutALeaderOnlyNoLeaderMethodsRunAndTheCopyWaitsAsAStandby() throws Exception {
    Postgres r =
        member(
            "r2",
            List.of("basebackup", "restore"),
            Map.of(
                "restore",
                section(
                    "command",
                    scripts.resolve("restore").toString(),
                    "no_leader",
                    true,
                    "source_port",
                    primary.settings().port())));
    r.createReplica(null, 0);
    List<String> args = argsOf("restore");
    assertTrue(args.contains("--connstring="), "no leader: an empty connstring " + args);
    assertTrue(args.contains("--no_leader=True"), args.toString());
    assertTrue(Files.exists(r.dataDir().resolve("standby.signal")));
    assertTrue(r.replicaTarget().isEmpty(), "a standby of nobody until a leader appears");
    assertEquals(primary.sysid(), r.sysid());

    Postgres none = member("r3", List.of("basebackup"), Map.of());
    PgException e = assertThrows(PgException.class, () -> none.createReplica(null, 0));
    assertTrue(e.getMessage().contains("no_leader"), e.getMessage());
  }

  @Test
  void whenEveryMethodFailsTheDataDirectoryIsEmptiedAndEachFailureNamed() {
    Postgres r =
        member(
            "r4",
            List.of("broken", "basebackup"),
            Map.of("broken", section("command", "/bin/false")));
    PgException e =
        assertThrows(PgException.class, () -> r.createReplica("127.0.0.1", PgFixture.freePort()));
    assertTrue(
        e.getMessage().startsWith("every create_replica_methods entry failed"), e.getMessage());
    assertTrue(e.getMessage().contains("broken: broken failed"), e.getMessage());
    assertTrue(e.getMessage().contains("basebackup: pg_basebackup failed"), e.getMessage());
    assertTrue(PgFiles.isMissingOrEmpty(r.dataDir()), "nothing left behind");
  }
}
