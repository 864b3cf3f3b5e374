package io.synod.bench;

import io.synod.bench.cluster.StorePeers;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
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
 * Raft re-election: three raft-store peers, each in its own JVM. Each iteration stops the Raft
 * leader — {@code crash}: SIGKILL; {@code stop}: a clean close, where jraft hands leadership over —
 * and times until a surviving peer gets a write committed by a new leader. The stopped peer is
 * restarted on its data between iterations (not timed).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2)
@Measurement(iterations = 20)
public class RaftElection extends ForkedBenchmark {
  @Param({"300", "1000"})
  public int electionTimeoutMs;

  @Param({"crash", "stop"})
  public String mode;

  private StorePeers peers;
  private final Random rnd = new Random(42);
  private int leader;
  private int survivor;
  private String oldLeaderAddr;
  private int n;

  @Setup(Level.Trial)
  public void startPeers() throws Exception {
    peers = new StorePeers(3, electionTimeoutMs, 10_000).startAll();
  }

  @Setup(Level.Iteration)
  public void prepare() throws Exception {
    peers.restartDead();
    leader = peers.awaitLeader();
    // everyone is caught up and knows the leader: a write through each peer
    for (int i = 0; i < 3; i++) {
      peers.putUntilOk(i, "/bench/warm", "p" + i, 0, "any", 30_000, 20);
    }
    leader = peers.awaitLeader();
    oldLeaderAddr = peers.addrs().get(leader);
    survivor = (leader + 1) % 3;
    // a random point of the heartbeat cycle (the store sends one every electionTimeout/4)
    Thread.sleep((long) (rnd.nextDouble() * Math.max(1, electionTimeoutMs / 4.0)));
  }

  @Benchmark
  public String reelect() throws Exception {
    if (mode.equals("crash")) {
      peers.crash(leader);
    } else {
      peers.stop(leader);
    }
    while (true) {
      String ok = peers.putUntilOk(survivor, "/bench/after", "x" + n, 0, "any", 30_000, 0);
      // on a clean stop the old leader may still commit the first write just before it closes
      if (!oldLeaderAddr.equals(peers.leaderSeenBy(survivor))) {
        return ok;
      }
    }
  }

  @TearDown(Level.Iteration)
  public void afterIteration() throws Exception {
    n++;
    if (mode.equals("stop")) {
      peers.crash(leader); // make sure it is gone before restarting it
    }
  }

  @TearDown(Level.Trial)
  public void stopPeers() {
    if (peers != null) {
      peers.close();
    }
  }
}
