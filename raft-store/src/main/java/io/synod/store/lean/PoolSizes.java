package io.synod.store.lean;

import com.alipay.sofa.jraft.option.CliOptions;
import com.alipay.sofa.jraft.option.NodeOptions;
import java.util.Map;

/**
 * Thread pools sized for a Raft group of three to five peers carrying a few writes per second.
 * jraft and sofa-bolt size theirs from the host's core count (a 32-core database host would get
 * hundreds of threads, most of them idle for the node's whole life); none of the work they run
 * blocks, so a couple of threads each serve it. A value set with {@code -D} on the command line
 * wins.
 */
public final class PoolSizes {
  /** System properties read by jraft and bolt when their classes load. */
  static final Map<String, String> PROPERTIES =
      Map.of(
          // sizes derived from the core count (closure pools, append-entries senders, ...)
          "jraft.available_processors", "2",
          "jraft.closure.threadpool.size.min", "1",
          "jraft.rpc.closure.threadpool.size.min", "1",
          "jraft.append.entries.threads.send", "2",
          // bolt's executor for jraft's request processors (vote, read-index, forwarded writes):
          // they all answer without blocking
          "bolt.tp.min", "2",
          "bolt.tp.max", "16");

  private PoolSizes() {}

  /** Sets the defaults above; must run before jraft's or bolt's classes load. */
  public static void applyDefaults() {
    PROPERTIES.forEach(
        (k, v) -> {
          if (System.getProperty(k) == null) {
            System.setProperty(k, v);
          }
        });
  }

  /** A node's scheduler (replicator heartbeats), its RPC clients' response pool, its rings. */
  public static void size(NodeOptions no) {
    no.setTimerPoolSize(1);
    no.setRpcProcessorThreadPoolSize(3); // jraft keeps a third of it as core threads
    // Each of a node's four disruptor rings preallocates this many events (jraft: 16384, 2.3 MB of
    // heap per node); a store that commits a few entries a second never has a thousand in flight.
    no.getRaftOptions().setDisruptorBufferSize(1024);
  }

  /** The CLI service's client (membership changes, leader transfer). */
  public static void size(CliOptions co) {
    co.setRpcProcessorThreadPoolSize(3);
  }
}
