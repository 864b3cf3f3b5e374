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
 * Planned switchover on a real 3-node Synod cluster: POST /switchover {leader, candidate} (or, in a
 * build without that endpoint, the failover key written through Raft), timed from the request to
 * the first INSERT that commits on the candidate, while a client writes every 10 ms to all members.
 * The write gap (last commit on the old primary to first on the new) is printed per iteration and
 * recorded by the drill command ({@code bin/synod bench switchover}).
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
public class Switchover {
  @Param({"42"})
  public long seed;

  private SynodCluster cluster;
  private Random rnd;
  private Drills.PreparedSwitchover prepared;
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
    prepared = Drills.prepareSwitchover(cluster, rnd);
  }

  @Benchmark
  public double switchover() throws Exception {
    lastMs = Drills.switchoverAndAwaitWrite(prepared);
    return lastMs;
  }

  @TearDown(Level.Iteration)
  public void after() throws Exception {
    TrialResult r = Drills.finishSwitchover(prepared, ++trial, lastMs);
    System.out.println();
    System.out.println(
        "switchover trial "
            + trial
            + ": "
            + Math.round(lastMs)
            + " ms "
            + DrillMain.describe("switchover", r));
  }

  @TearDown(Level.Trial)
  public void close() {
    ClusterHolder.release(cluster);
  }
}
