package io.synod.bench;

import io.synod.bench.cluster.SynodCluster;
import io.synod.bench.drill.Drills;
import io.synod.bench.drill.TrialResult;
import java.util.Random;
import org.openjdk.jmh.annotations.Benchmark;

/**
 * Planned switchover on a real 3-node Synod cluster: POST /switchover {leader, candidate} (or, in a
 * build without that endpoint, the failover key written through Raft), timed from the request to
 * the first INSERT that commits on the candidate, while a client writes every 10 ms to all members.
 * The write gap (last commit on the old primary to first on the new) is printed per iteration and
 * recorded by the drill command ({@code bin/synod bench switchover}).
 */
public class Switchover extends DrillBenchmark<Drills.PreparedSwitchover> {
  @Override
  protected String drill() {
    return "switchover";
  }

  @Override
  protected Drills.PreparedSwitchover prepare(SynodCluster cluster, Random rnd) throws Exception {
    return Drills.prepareSwitchover(cluster, rnd);
  }

  @Benchmark
  public double switchover() throws Exception {
    lastMs = Drills.switchoverAndAwaitWrite(prepared);
    return lastMs;
  }

  @Override
  protected TrialResult finish(Drills.PreparedSwitchover p, int trial, double ms) throws Exception {
    return Drills.finishSwitchover(p, trial, ms);
  }
}
