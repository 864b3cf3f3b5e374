package io.synod.bench;

import io.synod.bench.cluster.SynodCluster;
import io.synod.bench.drill.TrialResult;
import io.synod.bench.drill.TrialText;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.BenchmarkMode;
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
 * What the failover and switchover benchmarks share: one real 3-node cluster per trial (from {@link
 * ClusterHolder}), a seeded random source, an untimed preparation before each iteration and an
 * untimed finish after it that prints the trial the way {@code bin/synod bench} does.
 *
 * @param <P> what the preparation hands to the timed step
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 0)
@Measurement(iterations = 10)
public abstract class DrillBenchmark<P> extends ForkedBenchmark {
  @Param({"42"})
  public long seed;

  protected SynodCluster cluster;
  protected P prepared;
  protected double lastMs = Double.NaN;
  private Random rnd;
  private int trial;

  /** "failover" or "switchover": names the trial in the output. */
  protected abstract String drill();

  protected abstract P prepare(SynodCluster cluster, Random rnd) throws Exception;

  protected abstract TrialResult finish(P prepared, int trial, double ms) throws Exception;

  @Setup(Level.Trial)
  public void form() throws Exception {
    rnd = new Random(seed);
    cluster = ClusterHolder.acquire();
  }

  @Setup(Level.Iteration)
  public void prepareIteration() throws Exception {
    lastMs = Double.NaN;
    prepared = prepare(cluster, rnd);
  }

  @TearDown(Level.Iteration)
  public void finishIteration() throws Exception {
    TrialResult r = finish(prepared, ++trial, lastMs);
    System.out.println();
    System.out.println(
        drill()
            + " trial "
            + trial
            + ": "
            + Math.round(lastMs)
            + " ms "
            + TrialText.describe(drill(), r));
  }

  @TearDown(Level.Trial)
  public void close() {
    ClusterHolder.release(cluster);
  }
}
