package io.synod.store;

import java.util.List;
import java.util.Map;

/**
 * The JVM flags every Synod process needs for jraft 1.4 on JDK 17+ (bin/synod and the parent pom
 * pass the same).
 */
public final class JvmFlags {
  public static final List<String> REQUIRED =
      List.of(
          "--add-opens",
          "java.base/java.util=ALL-UNNAMED",
          "--add-opens",
          "java.base/java.lang=ALL-UNNAMED",
          "--add-opens",
          "java.base/java.lang.reflect=ALL-UNNAMED",
          "--add-opens",
          "java.base/java.util.concurrent=ALL-UNNAMED",
          "--add-opens",
          "java.base/java.nio=ALL-UNNAMED",
          "--add-opens",
          "java.base/sun.nio.ch=ALL-UNNAMED",
          "-Dcom.google.protobuf.use_unsafe_pre22_gencode=true");

  /**
   * How a node's JVM runs unless {@code SYNOD_JAVA_OPTS} says otherwise (bin/synod, the packaged
   * launcher, the demo and the benches pass the same). A node's live heap is a few tens of MB and
   * its work is a few small requests a second: a serial collector needs no GC threads and its
   * pauses on a heap this size stay in the low milliseconds; C1 alone compiles fast with one thread
   * and a small code cache; the heap starts small and grows only if the node needs it. Two JVM
   * threads that idle for the node's life are not started: the code-cache sweeper (C1 compiles a
   * few thousand methods once, far below the 240 MB cache, so nothing needs flushing) and the JMX
   * notification thread (the service thread delivers the few notifications instead). No
   * performance-data file ({@code -XX:-UsePerfData}): HotSpot otherwise keeps its counters in a
   * file mapped from /tmp/hsperfdata_USER, samples them every 50 ms and updates them at every
   * safepoint, and a write to that mapping can stall behind the disk's write-back, a pause a lease
   * holder should not take from someone else's I/O (the sampling itself is 0.04-0.09 % of a core,
   * measured). What it costs: {@code jps} and {@code jstat} do not see the node; {@code jcmd PID
   * ...} and JFR still work.
   */
  public static final List<String> NODE_DEFAULTS =
      List.of(
          "-Xms32m",
          "-Xmx256m",
          "-XX:+UseSerialGC",
          "-XX:TieredStopAtLevel=1",
          "-XX:CICompilerCount=1",
          "-XX:-MethodFlushing",
          "-XX:-UseNotificationThread",
          "-XX:-UsePerfData",
          "-Xss512k");

  /**
   * The environment a node's JVM starts with, unless already set (the launchers spell out the
   * same). {@code MALLOC_ARENA_MAX}: glibc's per-thread malloc arenas otherwise add tens of MB of
   * RSS. {@code _JAVA_SR_SIGNUM}: the signal HotSpot suspends threads with (JFR's CPU sampler,
   * among others) is SIGUSR2 by default, and jraft registers a Java handler for SIGUSR2 when its
   * node class loads, which takes the signal over: every sample then made jraft write describe and
   * metrics files into the working directory, and JFR recorded no CPU samples. A real-time signal
   * nothing else uses leaves SIGUSR2 to jraft's diagnostics ({@code kill -USR2 PID}).
   */
  public static final Map<String, String> NODE_ENV =
      Map.of("MALLOC_ARENA_MAX", "2", "_JAVA_SR_SIGNUM", "40");

  /** {@code SYNOD_JAVA_OPTS} split on blanks when it is set, else {@link #NODE_DEFAULTS}. */
  public static List<String> node() {
    String env = System.getenv("SYNOD_JAVA_OPTS");
    if (env == null || env.isBlank()) {
      return NODE_DEFAULTS;
    }
    return List.of(env.strip().split("\\s+"));
  }

  /**
   * The start of a node's command line: this JDK's {@code java}, {@link #node()} and {@link
   * #REQUIRED} (the demo, the benches and the class archive's training run start nodes with it).
   */
  public static List<String> nodeJava() {
    List<String> cmd = new java.util.ArrayList<>();
    cmd.add(java.nio.file.Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(node());
    cmd.addAll(REQUIRED);
    return cmd;
  }

  private JvmFlags() {}
}
