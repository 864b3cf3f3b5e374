package io.synod.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.Collection;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Keeps the benchmarks from rotting: every JMH benchmark runs once, in this JVM (no fork), with one
 * parameter combination and one iteration; Failover and Switchover share one real cluster. It
 * checks that each produced a result, never how fast: the numbers come from the real runs
 * (bench/RESULTS.md).
 */
class BenchSmokeTest {
  @AfterAll
  static void closeCluster() {
    ClusterHolder.closeShared();
  }

  private static Collection<RunResult> run(String include, Mode mode) throws Exception {
    OptionsBuilder b = new OptionsBuilder();
    b.include(include)
        .forks(0)
        .warmupIterations(0)
        .measurementIterations(1)
        .measurementTime(TimeValue.seconds(1))
        .param("electionTimeoutMs", "300")
        .param("mode", "crash")
        .param("holder", "follower")
        .param("from", "follower")
        .shouldFailOnError(true);
    if (mode != null) {
      b.mode(mode);
    }
    Options o = b.build();
    return new Runner(o).run();
  }

  @Test
  void everyBenchmarkRunsOnce() throws Exception {
    System.setProperty("synod.bench.shareCluster", "true");
    Set<String> ran = new TreeSet<>();
    for (RunResult r :
        run("io\\.synod\\.bench\\.(Failover|Switchover|RaftElection|LeaseHandover)\\.", null)) {
      ran.add(r.getParams().getBenchmark());
      assertFalse(Double.isNaN(r.getPrimaryResult().getScore()), r.getParams().getBenchmark());
    }
    for (RunResult r : run("io\\.synod\\.bench\\.StoreWrite\\.", Mode.Throughput)) {
      ran.add(r.getParams().getBenchmark());
    }
    assertEquals(
        Set.of(
            "io.synod.bench.Failover.crash",
            "io.synod.bench.LeaseHandover.handover",
            "io.synod.bench.RaftElection.reelect",
            "io.synod.bench.StoreWrite.cas",
            "io.synod.bench.StoreWrite.casRate",
            "io.synod.bench.Switchover.switchover"),
        ran);
  }
}
