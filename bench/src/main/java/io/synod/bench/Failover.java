package io.synod.bench;

import io.synod.bench.cluster.SynodCluster;
import io.synod.bench.drill.Drills;
import io.synod.bench.drill.TrialResult;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Crash failover of a real 3-node Synod cluster (three synod JVMs, PostgreSQL 15 each, defaults).
 * Each iteration: wait until healthy, connect a client writing to both replicas, wait a seeded
 * random delay within the lease-renewal cycle (untimed), then SIGKILL the primary's engine, fence
 * sidecar and postmaster at once and time until an INSERT commits on another member. Between
 * iterations the killed node is started again and rejoins by pg_rewind (untimed).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 0)
@Measurement(iterations = 10)
@Fork(
    value = 1,
    jvmArgsAppend = {
      "-Xmx256m",
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
      "-Dcom.google.protobuf.use_unsafe_pre22_gencode=true",
      "-DSYNOD_LOG_LEVEL=WARN"
    })
public class Failover {
  @Param({"42"})
  public long seed;

  private SynodCluster cluster;
  private Random rnd;
  private Drills.PreparedFailover prepared;
  private double lastMs = Double.NaN;
  private int trial;

  @Setup(Level.Trial)
  public void form() throws Exception {
    rnd = new Random(seed);
    cluster = ClusterHolder.acquire();
  }

  @Setup(Level.Iteration)
  public void prepare() throws Exception {
    lastMs = Double.NaN;
    prepared = Drills.prepareFailover(cluster, rnd);
  }

  @Benchmark
  public double crash() throws Exception {
    lastMs = Drills.crashAndAwaitWrite(prepared);
    return lastMs;
  }

  @TearDown(Level.Iteration)
  public void restore() throws Exception {
    TrialResult r = Drills.finishFailover(prepared, ++trial, lastMs);
    System.out.println();
    System.out.println(
        "failover trial "
            + trial
            + ": "
            + Math.round(lastMs)
            + " ms "
            + DrillMain.describe("failover", r));
  }

  @TearDown(Level.Trial)
  public void close() {
    ClusterHolder.release(cluster);
  }
}
