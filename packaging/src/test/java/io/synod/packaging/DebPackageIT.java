package io.synod.packaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Debian package built by this module ({@code mvn package}): its metadata and files, its
 * maintainer scripts and unit, and the installed programs run from a scratch root ({@code dpkg
 * -x}): synod validates the shipped example, the postinst's config generator writes a config that
 * validates, and the unit's ExecStart/ExecStartPost start a node (PostgreSQL underneath) that
 * synodctl lists as the leader; SIGTERM (the unit's KillSignal) stops it and its PostgreSQL
 * cleanly.
 */
class DebPackageIT {
  static Path deb;
  static Path tmp;
  static Path root;

  @BeforeAll
  static void extract() throws Exception {
    deb = Path.of(System.getProperty("synod.deb", "target/synod_0.1.0~SNAPSHOT_all.deb"));
    assertTrue(Files.isRegularFile(deb), "built by mvn package: " + deb);
    tmp = Files.createTempDirectory("synod-deb-");
    // PostgreSQL runs as the postgres user below this directory when the test runs as root.
    Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
    root = tmp.resolve("root");
    Files.createDirectories(root);
    run(Duration.ofMinutes(2), Map.of(), "dpkg", "-x", deb.toString(), root.toString()).ok();
  }

  @AfterAll
  static void cleanup() throws IOException {
    if (tmp != null) {
      stopPostgres(tmp.resolve("data/pgdata"));
      try (Stream<Path> s = Files.walk(tmp)) {
        s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  @Test
  void controlFieldsNameTheProgramsDependencies() throws Exception {
    Result r =
        run(
            Duration.ofSeconds(30),
            Map.of(),
            "dpkg-deb",
            "-f",
            deb.toString(),
            "Package",
            "Architecture",
            "Depends",
            "Version");
    r.ok();
    assertTrue(r.out.contains("Package: synod"), r.out);
    assertTrue(r.out.contains("Architecture: all"), r.out);
    assertTrue(r.out.contains("openjdk-17-jre-headless"), r.out);
    assertTrue(r.out.contains("Version: 0.1.0~SNAPSHOT"), r.out);
  }

  @Test
  void filesAreWhereDebianAndSystemdLookAndProgramsAreExecutable() throws IOException {
    for (String f :
        List.of(
            "usr/bin/synod",
            "usr/bin/synodctl",
            "usr/share/synod/make-config",
            "usr/share/synod/synod.jar",
            "lib/systemd/system/synod.service",
            "usr/share/doc/synod/examples/synod.yml",
            "usr/share/doc/synod/README.md",
            "usr/share/doc/synod/configuration.md")) {
      assertTrue(Files.isRegularFile(root.resolve(f)), f);
    }
    for (String f : List.of("usr/bin/synod", "usr/bin/synodctl", "usr/share/synod/make-config")) {
      assertEquals(
          "rwxr-xr-x",
          PosixFilePermissions.toString(Files.getPosixFilePermissions(root.resolve(f))),
          f);
    }
    assertTrue(Files.isDirectory(root.resolve("etc/synod")));
  }

  @Test
  void maintainerScriptsCreateTheSynodUserAndAFirstConfig() throws Exception {
    Path control = tmp.resolve("control");
    run(Duration.ofSeconds(30), Map.of(), "dpkg-deb", "-e", deb.toString(), control.toString())
        .ok();
    String postinst = Files.readString(control.resolve("postinst"));
    assertTrue(postinst.contains("adduser --system"), postinst);
    assertTrue(postinst.contains(" synod"), postinst);
    assertTrue(postinst.contains("/usr/share/synod/make-config /etc/synod/synod.yml"), postinst);
    for (String s : List.of("postinst", "prerm", "postrm")) {
      run(Duration.ofSeconds(10), Map.of(), "sh", "-n", control.resolve(s).toString()).ok();
    }
  }

  @Test
  void theUnitIsAServiceThatLeavesPostgresToSynod() throws Exception {
    Path unit = root.resolve("lib/systemd/system/synod.service");
    String text = Files.readString(unit);
    for (String line :
        List.of(
            "Type=simple",
            "User=synod",
            "ExecStart=/usr/bin/synod ${SYNOD_CONFIG}",
            "ExecStartPost=/usr/bin/synod wait-ready --timeout 590 ${SYNOD_CONFIG}",
            "ExecReload=/bin/kill -HUP $MAINPID",
            "KillMode=process",
            "WantedBy=multi-user.target")) {
      assertTrue(text.lines().anyMatch(l -> l.equals(line)), "missing " + line);
    }
    // systemd's own parser: no unknown or invalid setting (missing binaries are expected here).
    if (Files.isExecutable(Path.of("/usr/bin/systemd-analyze"))) {
      Result r =
          run(Duration.ofSeconds(60), Map.of(), "systemd-analyze", "verify", unit.toString());
      for (String l : (r.out + r.err).split("\n")) {
        boolean expected =
            l.isBlank()
                || l.contains("is not executable")
                || l.contains("not found")
                || l.contains("Failed to create synod.service/start");
        assertTrue(expected, "systemd-analyze verify: " + l);
      }
    }
  }

  @Test
  void theInstalledProgramsRunFromTheExtractedTree() throws Exception {
    Result v =
        run(
            Duration.ofSeconds(60),
            Map.of(),
            root.resolve("usr/bin/synod").toString(),
            "--version");
    v.ok();
    assertTrue(v.out.contains("synod 0.1.0"), v.out);
    Result ex =
        run(
            Duration.ofSeconds(60),
            Map.of(),
            root.resolve("usr/bin/synod").toString(),
            "--validate-config",
            root.resolve("usr/share/doc/synod/examples/synod.yml").toString());
    assertEquals(0, ex.code, ex.out + ex.err);
    Result ctl =
        run(
            Duration.ofSeconds(60),
            Map.of(),
            root.resolve("usr/bin/synodctl").toString(),
            "version");
    assertTrue(ctl.out.contains("synodctl version"), ctl.out + ctl.err);
  }

  @Test
  void theUnitsCommandsStartANodeFromTheConfigThePostinstWrites() throws Exception {
    Path data = tmp.resolve("data");
    Files.createDirectories(data);
    Files.setPosixFilePermissions(data, PosixFilePermissions.fromString("rwxr-xr-x"));
    Path yml = tmp.resolve("synod.yml");
    int rest = freePort();
    int pg = freePort();
    int raft = freePort();
    Map<String, String> env = new LinkedHashMap<>();
    env.put("SYNOD_DATA", data.toString());
    env.put("PATRONI_NAME", "pkgnode");
    env.put("PATRONI_RESTAPI_LISTEN", "127.0.0.1:" + rest);
    env.put("PATRONI_POSTGRESQL_LISTEN", "127.0.0.1:" + pg);
    env.put("PATRONI_RAFT_SELF_ADDR", "127.0.0.1:" + raft);
    // What postinst runs (with this scratch dir instead of /var/lib/synod and free ports).
    run(
            Duration.ofMinutes(1),
            env,
            root.resolve("usr/share/synod/make-config").toString(),
            yml.toString())
        .ok();
    String cfg = Files.readString(yml);
    assertFalse(cfg.contains("'#FIXME'"), cfg);
    assertTrue(cfg.contains("scope: main"), cfg);
    assertEquals(
        "rw-------",
        PosixFilePermissions.toString(Files.getPosixFilePermissions(yml)),
        "has passwords");

    String synod = root.resolve("usr/bin/synod").toString();
    // postinst: the class archive (a training run) next to the jar
    Result archived = run(Duration.ofMinutes(3), Map.of(), synod, "class-archive");
    assertEquals(0, archived.code, archived.out + archived.err);
    Path jsa = root.resolve("usr/share/synod/synod.jar.jsa");
    assertTrue(Files.size(jsa) > 1_000_000, "archive of the node's classes: " + Files.size(jsa));
    // ExecStartPre
    Result valid =
        run(Duration.ofSeconds(60), Map.of(), synod, "--validate-config", yml.toString());
    assertEquals(0, valid.code, valid.out + valid.err);
    // ExecStart, as the unit runs it (Environment=ROCKSDB_SHAREDLIB_DIR=...)
    ProcessBuilder pb =
        new ProcessBuilder(synod, yml.toString())
            .redirectErrorStream(true)
            .redirectOutput(tmp.resolve("node.out").toFile());
    pb.environment().put("ROCKSDB_SHAREDLIB_DIR", data.toString());
    Process node = pb.start();
    try {
      // ExecStartPost: the readiness check returns once the REST API answers
      Result ready =
          run(
              Duration.ofMinutes(3),
              Map.of(),
              synod,
              "wait-ready",
              "--timeout",
              "150",
              yml.toString());
      assertEquals(0, ready.code, ready.err + "\n" + Files.readString(tmp.resolve("node.out")));
      String list = "";
      long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
      while (System.nanoTime() < deadline) {
        list =
            run(
                    Duration.ofSeconds(30),
                    Map.of(),
                    root.resolve("usr/bin/synodctl").toString(),
                    "-c",
                    yml.toString(),
                    "list")
                .out;
        if (list.contains("pkgnode") && list.contains("Leader") && list.contains("running")) {
          break;
        }
        Thread.sleep(1000);
      }
      assertTrue(list.contains("Leader") && list.contains("running"), list);
      // the launcher handed the archive to the node's JVM, which mapped it
      String maps = Files.readString(Path.of("/proc/" + node.pid() + "/maps"));
      assertTrue(maps.contains(jsa.toString()), "the node maps " + jsa);
      assertFalse(Files.readString(tmp.resolve("node.out")).contains("[cds]"), "no CDS warning");
      // Multi-Release jar: the libraries' Java 11+ classes run, e.g. pgjdbc's cleaner on
      // java.lang.ref.Cleaner instead of its Java 8 thread (plus a ForkJoin worker it blocks in)
      try (JarFile jar = new JarFile(root.resolve("usr/share/synod/synod.jar").toFile())) {
        assertTrue(jar.isMultiRelease(), "synod.jar is a Multi-Release jar");
        // bolt's RPC timeouts on raft-store's sleeping timer, not bolt's 10 ms wheel
        assertNull(
            jar.getEntry("com/alipay/remoting/TimerHolder$DefaultInstance.class"),
            "bolt's own TimerHolder is left out of synod.jar");
      }
      List<String> threads = threadNames(node.pid());
      assertFalse(threads.contains("PostgreSQL-JDBC"), threads.toString());
      assertTrue(threads.stream().noneMatch(t -> t.startsWith("DefaultTimer")), threads.toString());
      // KillMode=process: only the JVM gets SIGTERM; Synod stops PostgreSQL itself, cleanly.
      Optional<Long> postmaster = postmasterPid(data.resolve("pgdata"));
      assertTrue(postmaster.isPresent());
      run(Duration.ofSeconds(10), Map.of(), "kill", "-TERM", Long.toString(node.pid())).ok();
      assertTrue(node.waitFor(90, TimeUnit.SECONDS), "synod exits on SIGTERM");
      long pm = postmaster.get();
      long until = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (ProcessHandle.of(pm).map(ProcessHandle::isAlive).orElse(false)
          && System.nanoTime() < until) {
        Thread.sleep(200);
      }
      assertFalse(
          ProcessHandle.of(pm).map(ProcessHandle::isAlive).orElse(false),
          "PostgreSQL stopped by Synod");
      Result cd =
          run(
              Duration.ofSeconds(30),
              Map.of(),
              "/usr/lib/postgresql/15/bin/pg_controldata",
              data.resolve("pgdata").toString());
      assertTrue(cd.out.contains("Database cluster state:               shut down"), cd.out);
    } finally {
      node.destroyForcibly();
      node.waitFor(30, TimeUnit.SECONDS);
    }
  }

  // ------------------------------------------------------------------------------ helpers

  record Result(int code, String out, String err) {
    Result ok() {
      assertEquals(0, code, "exit " + code + ": " + out + err);
      return this;
    }
  }

  static Result run(Duration timeout, Map<String, String> env, String... cmd) throws Exception {
    Path out = Files.createTempFile(tmp == null ? Path.of("/tmp") : tmp, "out", ".txt");
    Path err = Files.createTempFile(tmp == null ? Path.of("/tmp") : tmp, "err", ".txt");
    ProcessBuilder pb =
        new ProcessBuilder(cmd)
            .redirectOutput(out.toFile())
            .redirectError(err.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
    pb.environment().putAll(env);
    Process p = pb.start();
    if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      p.destroyForcibly();
      throw new AssertionError(String.join(" ", cmd) + " timed out");
    }
    Result r =
        new Result(
            p.exitValue(),
            Files.readString(out, StandardCharsets.UTF_8),
            Files.readString(err, StandardCharsets.UTF_8));
    Files.deleteIfExists(out);
    Files.deleteIfExists(err);
    return r;
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  static Optional<Long> postmasterPid(Path pgdata) {
    try {
      return Optional.of(
          Long.parseLong(Files.readAllLines(pgdata.resolve("postmaster.pid")).get(0).strip()));
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  /** The kernel's (15-character) names of a process's threads. */
  static List<String> threadNames(long pid) throws IOException {
    List<String> out = new ArrayList<>();
    try (Stream<Path> tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
      for (Path t : tasks.toList()) {
        try {
          out.add(Files.readString(t.resolve("comm")).strip());
        } catch (IOException gone) {
          // the thread ended meanwhile
        }
      }
    }
    return out;
  }

  /** A postmaster left behind by a failed run is killed by PID. */
  static void stopPostgres(Path pgdata) {
    postmasterPid(pgdata)
        .flatMap(ProcessHandle::of)
        .ifPresent(
            h -> {
              List<ProcessHandle> all = new ArrayList<>(h.descendants().toList());
              h.destroyForcibly();
              all.forEach(ProcessHandle::destroyForcibly);
            });
  }
}
