package io.synod.engine.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.synod.engine.testing.PgFixture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Callbacks, pre_promote and post_bootstrap run real scripts; no PostgreSQL server is needed. */
class CallbacksTest {
  private PgFixture fixture;
  private Path dir;

  @BeforeEach
  void setUp() {
    fixture = new PgFixture();
    dir = fixture.baseDir();
  }

  @AfterEach
  void tearDown() {
    fixture.close();
  }

  private Path script(String name, String body) throws Exception {
    Path p = dir.resolve(name);
    Files.writeString(p, "#!/bin/sh\n" + body + "\n");
    Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwx------"));
    return p;
  }

  private Postgres postgres(
      Map<String, String> callbacks, String prePromote, String postBootstrap, Duration timeout) {
    PgSettings s = fixture.settings("cb");
    s =
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
            timeout,
            s.useSlots(),
            s.useRewind(),
            false,
            callbacks,
            prePromote,
            postBootstrap,
            s.clusterName());
    return fixture.postgres(s);
  }

  @Test
  void callbackGetsActionRoleAndScope() throws Exception {
    Path out = dir.resolve("args.txt");
    Path cb = script("cb.sh", "echo \"$@\" > '" + out + "'");
    Postgres pg =
        postgres(
            Map.of("on_start", cb + " --flag", "on_role_change", cb.toString()),
            null,
            null,
            Duration.ofSeconds(10));
    assertEquals(0, pg.runCallback("on_start", "replica").get(10, TimeUnit.SECONDS));
    assertEquals("--flag on_start replica synod-test", Files.readString(out).strip());
    assertEquals(0, pg.runCallback("on_role_change", "primary").get(10, TimeUnit.SECONDS));
    assertEquals("on_role_change primary synod-test", Files.readString(out).strip());
    assertNull(pg.runCallback("on_stop", "replica").get(10, TimeUnit.SECONDS), "none configured");
    assertThrows(IllegalArgumentException.class, () -> pg.runCallback("on_whatever", "replica"));
  }

  @Test
  void callbackDoesNotBlockAndANewOneKillsAStuckOne() throws Exception {
    Path slow = script("slow.sh", "sleep 30");
    Postgres pg =
        postgres(
            Map.of("on_start", slow.toString(), "on_stop", "/bin/true"),
            null,
            null,
            Duration.ofSeconds(10));
    long t0 = System.nanoTime();
    CompletableFuture<Integer> stuck = pg.runCallback("on_start", "primary");
    assertTrue(
        System.nanoTime() - t0 < Duration.ofSeconds(2).toNanos(), "runCallback must not wait");
    assertEquals(0, pg.runCallback("on_stop", "primary").get(10, TimeUnit.SECONDS));
    assertNotEquals(0, stuck.get(5, TimeUnit.SECONDS), "the still-running callback was killed");
  }

  @Test
  void prePromoteExitCodeIsReported() throws Exception {
    Postgres failing =
        postgres(Map.of(), script("fence.sh", "exit 3").toString(), null, Duration.ofSeconds(10));
    assertEquals(3, failing.runPrePromote());
    Postgres ok = postgres(Map.of(), "/bin/true", null, Duration.ofSeconds(10));
    assertEquals(0, ok.runPrePromote());
    Postgres hung =
        postgres(Map.of(), script("hang.sh", "sleep 30").toString(), null, Duration.ofSeconds(1));
    assertEquals(-1, hung.runPrePromote(), "a timed-out pre_promote aborts promotion");
    Postgres missing =
        postgres(Map.of(), dir.resolve("nope.sh").toString(), null, Duration.ofSeconds(5));
    assertNotEquals(0, missing.runPrePromote());
  }

  @Test
  void postBootstrapGetsAConnectionString() throws Exception {
    Path out = dir.resolve("pb.txt");
    Path pb = script("pb.sh", "echo \"$1|$PGPASSWORD\" > '" + out + "'");
    Postgres pg = postgres(Map.of(), null, pb.toString(), Duration.ofSeconds(10));
    assertEquals(0, pg.runPostBootstrap(Duration.ofSeconds(10)));
    String line = Files.readString(out).strip();
    assertEquals(
        "host=127.0.0.1 port=" + pg.settings().port() + " user=postgres dbname=postgres|su-secret",
        line);
  }
}
