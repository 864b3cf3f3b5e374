package io.synod.engine.cli;

import io.synod.config.ConfigLoader;
import io.synod.config.SynodConfig;
import io.synod.engine.SynodNode;
import io.synod.engine.ctl.Readiness;
import io.synod.engine.log.LogSetup;
import io.synod.store.JvmFlags;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * A CDS archive of a node's classes ({@code synod class-archive}), made once per build or install
 * (bin/synod, the Debian package's postinst, the benches). A node's JVM then maps the classes it
 * needs at start from the archive instead of reading, verifying and linking them from the jar:
 * about 0.6 s of a 1.5 s JVM start, and the rejoin of a killed primary waits for that start.
 *
 * <p>JDK 17 writes such an archive when a JVM started with {@code -XX:ArchiveClassesAtExit} exits
 * normally, so the archive comes from a training run in a child JVM: a one-node witness in a temp
 * dir (configuration, logging, the Raft store with its secret, the REST API, the witness loop), one
 * REST request, and the classes of the engine and the PostgreSQL driver loaded by name (the HA
 * loop's, which a witness does not run). The archive sits next to the jar ({@code synod.jar.jsa})
 * with the JDK it was made by ({@code synod.jar.jsa.java}); it is used only while it is newer than
 * the jar and that JDK runs the node. The JVM checks the rest (the same jar, size and mtime) and
 * ignores an archive that does not match, so a stale one costs the 0.6 s, never correctness. {@code
 * SYNOD_CLASS_ARCHIVE=off} in the environment turns it off (launchers and benches alike).
 */
@Command(
    name = "class-archive",
    description =
        "Write the class archive (SYNOD_JAR.jsa) that shortens a node's start; bin/synod and the"
            + " package do this after a build or install.")
public final class ClassArchive implements Callable<Integer> {
  static final String SUFFIX = ".jsa";

  @Option(names = "--train", hidden = true, description = "the training run itself (child JVM)")
  boolean train;

  @Override
  public Integer call() throws Exception {
    String cp = System.getProperty("java.class.path");
    if (train) {
      LogSetup.quiet();
      return trainingRun(cp);
    }
    Path jar = singleJar(cp);
    if (jar == null) {
      System.err.println(
          "synod: class-archive needs a single jar on the class path (java -jar synod.jar), not "
              + cp);
      return 2;
    }
    try {
      Path made = create(jar);
      System.err.println("synod: wrote " + made + " (" + Files.size(made) / 1024 + " KB)");
      return 0;
    } catch (IOException e) {
      System.err.println("synod: no class archive for " + jar + ": " + e.getMessage());
      return 1;
    }
  }

  /** The jar when the class path is one jar, else null (IDE and test class paths get none). */
  static Path singleJar(String classpath) {
    if (classpath == null
        || classpath.contains(File.pathSeparator)
        || !classpath.endsWith(".jar")) {
      return null;
    }
    return Path.of(classpath).toAbsolutePath();
  }

  /** {@code SYNOD_CLASS_ARCHIVE=off}: no archive made or used (to compare, or to rule it out). */
  static boolean off() {
    return "off".equals(System.getenv("SYNOD_CLASS_ARCHIVE"));
  }

  static Path archive(Path jar) {
    return jar.resolveSibling(jar.getFileName() + SUFFIX);
  }

  private static Path jdkStamp(Path jar) {
    return jar.resolveSibling(jar.getFileName() + SUFFIX + ".java");
  }

  /**
   * {@code -XX:SharedArchiveFile=...} when the class path has a usable archive (newer than its jar,
   * made by this JDK), else nothing: what a launcher adds to a node's JVM flags.
   */
  public static List<String> flags(String classpath) {
    Path jar = singleJar(classpath);
    if (jar == null || off()) {
      return List.of();
    }
    Path a = archive(jar);
    try {
      if (Files.isRegularFile(a)
          && Files.getLastModifiedTime(a).compareTo(Files.getLastModifiedTime(jar)) > 0
          && System.getProperty("java.home")
              .equals(Files.readString(jdkStamp(jar), StandardCharsets.UTF_8).strip())) {
        return List.of("-XX:SharedArchiveFile=" + a);
      }
    } catch (IOException e) {
      // no stamp, or unreadable: no archive
    }
    return List.of();
  }

  /**
   * {@link #flags} after making the archive if it is missing or stale and the jar's directory is
   * writable; says so on {@code err}. A failure leaves no archive and costs only the start time.
   */
  public static List<String> ensure(String classpath, PrintStream err) {
    List<String> have = flags(classpath);
    Path jar = singleJar(classpath);
    if (!have.isEmpty() || jar == null || off() || !Files.isWritable(jar.getParent())) {
      return have;
    }
    err.println("synod: writing the class archive of " + jar + " (once per build, ~10 s)...");
    try {
      create(jar);
    } catch (IOException e) {
      err.println("synod: no class archive (" + e.getMessage() + "); nodes start ~0.6 s slower");
    }
    return flags(classpath);
  }

  /** Runs the training JVM and moves its archive into place; the path of the archive. */
  static Path create(Path jar) throws IOException {
    Path tmp = jar.resolveSibling(jar.getFileName() + SUFFIX + "." + ProcessHandle.current().pid());
    Path work = Files.createTempDirectory("synod-class-archive-");
    try {
      List<String> cmd = new ArrayList<>(JvmFlags.nodeJava()); // the flags the nodes will run with
      cmd.add("-XX:ArchiveClassesAtExit=" + tmp);
      cmd.add("-Djava.io.tmpdir=" + work);
      cmd.addAll(List.of("-cp", jar.toString(), SynodMain.class.getName(), "class-archive"));
      cmd.add("--train");
      ProcessBuilder pb =
          new ProcessBuilder(cmd)
              .redirectErrorStream(true)
              .redirectOutput(work.resolve("training.log").toFile());
      pb.environment().put("ROCKSDB_SHAREDLIB_DIR", work.toString());
      JvmFlags.NODE_ENV.forEach(pb.environment()::putIfAbsent);
      Process p = pb.start();
      boolean done;
      try {
        done = p.waitFor(180, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        done = false;
      }
      if (!done) {
        p.destroyForcibly();
        throw new IOException("the training run did not finish within 180 s");
      }
      if (p.exitValue() != 0 || !Files.isRegularFile(tmp)) {
        String log = Files.readString(work.resolve("training.log"));
        throw new IOException(
            "the training run exited with "
                + p.exitValue()
                + ": "
                + log.substring(Math.max(0, log.length() - 2000)));
      }
      Files.writeString(jdkStamp(jar), System.getProperty("java.home") + "\n");
      Path a = archive(jar);
      Files.move(tmp, a, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      return a;
    } finally {
      Files.deleteIfExists(tmp);
      deleteTree(work);
    }
  }

  /**
   * The child: runs a one-node witness until its REST API answers, loads the rest of the engine's
   * and the driver's classes, stops it and exits 0 (which is when the JVM writes the archive).
   */
  static int trainingRun(String classpath) throws Exception {
    if (ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
        .noneMatch(a -> a.startsWith("-XX:ArchiveClassesAtExit="))) {
      System.err.println("synod: --train runs under -XX:ArchiveClassesAtExit only");
      return 2;
    }
    Path dir = Path.of(System.getProperty("java.io.tmpdir"));
    int rest = freePort();
    // the demo's node file made a witness's (as WitnessIT runs one), with a secret of its own
    String yml =
        DemoFiles.witnessYaml(
            DemoFiles.nodeYaml(
                "class-archive",
                "trainer",
                rest,
                0,
                List.of("127.0.0.1:" + freePort()),
                0,
                dir,
                "",
                "",
                DemoFiles.Secrets.random()));
    Path file = dir.resolve("trainer.yml");
    DemoFiles.writePrivate(file, yml);
    SynodConfig cfg = ConfigLoader.read(file, Map.of());
    try (SynodNode node = new SynodNode(cfg).start()) {
      // as the systemd unit's readiness check does (synod wait-ready)
      if (Readiness.await(file, Duration.ofSeconds(60), Map.of(), System.err) != 0) {
        return 1;
      }
      loadClasses(Path.of(classpath), List.of("io/synod/", "org/postgresql/"));
    }
    return 0;
  }

  /** Loads (without initializing) every class of the jar under these package prefixes. */
  private static void loadClasses(Path jar, List<String> prefixes) throws IOException {
    ClassLoader cl = ClassArchive.class.getClassLoader();
    try (JarFile jf = new JarFile(jar.toFile())) {
      Enumeration<JarEntry> e = jf.entries();
      while (e.hasMoreElements()) {
        String n = e.nextElement().getName();
        if (n.endsWith(".class")
            && !n.contains("module-info")
            && prefixes.stream().anyMatch(n::startsWith)) {
          try {
            Class.forName(n.substring(0, n.length() - 6).replace('/', '.'), false, cl);
          } catch (ClassNotFoundException | LinkageError ex) {
            // optional dependencies the driver does not find (OSGi, Waffle): not archived
          }
        }
      }
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
