package io.synod.bench;

import io.synod.bench.cluster.SynodCluster;
import io.synod.bench.drill.Drills;
import io.synod.bench.drill.TrialResult;
import java.util.Random;
import org.openjdk.jmh.annotations.Benchmark;

/**
 * Crash failover of a real 3-node Synod cluster (three synod JVMs, PostgreSQL 15 each, defaults).
 * Each iteration: wait until healthy, connect a client writing to both replicas, wait a seeded
 * random delay within the lease-renewal cycle (untimed), then SIGKILL the primary's engine, fence
 * sidecar and postmaster at once and time until an INSERT commits on another member. Between
 * iterations the killed node is started again and rejoins by pg_rewind (untimed).
 */
public class Failover extends DrillBenchmark<Drills.PreparedFailover> {
  @Override
  protected String drill() {
    return "failover";
  }

  @Override
  protected Drills.PreparedFailover prepare(SynodCluster cluster, Random rnd) throws Exception {
    return Drills.prepareFailover(cluster, rnd);
  }

  @Benchmark
  public double crash() throws Exception {
    lastMs = Drills.crashAndAwaitWrite(prepared);
    return lastMs;
  }

  @Override
  protected TrialResult finish(Drills.PreparedFailover p, int trial, double ms) throws Exception {
    return Drills.finishFailover(p, trial, ms);
  }
}
