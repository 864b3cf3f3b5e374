package io.synod.bridges;

/**
 * One mirror target (etcd v3, ZooKeeper, Consul). A bridge runs on its own threads: start() and
 * stop() never wait on the target's network, and a dead or slow target shows only in {@link
 * #metrics()} and the log, never in the HA loop.
 */
public interface Bridge {
  /** The metric label and log name: {@code etcd3}, {@code zookeeper} or {@code consul}. */
  String target();

  void start();

  /** Stops the threads and closes the client; TTL'd keys are left to expire in the target. */
  void stop();

  BridgeMetrics metrics();
}
