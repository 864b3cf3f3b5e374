package io.synod.store.lean;

import com.alipay.sofa.jraft.option.CliOptions;
import com.alipay.sofa.jraft.option.NodeOptions;
import java.util.Map;

/**
 * Thread pools (and Netty's buffer pools) sized for a Raft group of three to five peers carrying a
 * few writes per second. jraft and sofa-bolt size theirs from the host's core count (a 32-core
 * database host would get hundreds of threads, most of them idle for the node's whole life); none
 * of the work they run blocks, so a couple of threads each serve it. A value set with {@code -D} on
 * the command line wins.
 */
public final class PoolSizes {
  /** System properties read by jraft and bolt when their classes load. */
  static final Map<String, String> PROPERTIES =
      Map.ofEntries(
          // sizes derived from the core count (closure pools, append-entries senders, ...)
          Map.entry("jraft.available_processors", "2"),
          Map.entry("jraft.closure.threadpool.size.min", "1"),
          Map.entry("jraft.rpc.closure.threadpool.size.min", "1"),
          // the leader's append-entries senders only hand batches to the RPC client
          Map.entry("jraft.append.entries.threads.send", "1"),
          // no bolt reconnect thread: jraft opens a connection when it next sends to a peer (its
          // heartbeats, votes and appends all do), so a thread redialling dropped connections in
          // the background only adds a thread and, to a peer that is gone, futile dials
          Map.entry("jraft.bolt.conn.reconnect", "false"),
          // bolt's executor for jraft's request processors (vote, read-index, forwarded writes):
          // they answer without blocking, except a follower's snapshot install, which waits for
          // the download; it grows past its core only when its queue is full, so two, not one
          // (with one, a peer added online could not catch up)
          Map.entry("bolt.tp.min", "2"),
          Map.entry("bolt.tp.max", "16"),
          // Netty's buffers (bolt, its TLS handler and the REST API) unpooled: a pool keeps its
          // chunks (heap and direct) and per-thread caches resident for traffic of a few KB a
          // second. Measured with bench idle: RSS 153-155 -> 148-149 MB, CPU within the noise.
          Map.entry("io.netty.allocator.type", "unpooled"),
          Map.entry("bolt.netty.buffer.pooled", "false"),
          // for code that asks for the pooled allocator by name: one arena of 2 MiB chunks
          // instead of one 4 MiB chunk per arena and two arenas per core
          Map.entry("io.netty.allocator.numDirectArenas", "1"),
          Map.entry("io.netty.allocator.numHeapArenas", "1"),
          Map.entry("io.netty.allocator.maxOrder", "8"));

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
