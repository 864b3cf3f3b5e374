package io.synod.store.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.HashSet;
import java.util.Set;

/**
 * Free loopback ports for test fixtures and benchmark clusters: the one free-port helper of the
 * test trees (raft-store's test-jar, which dcs-bridges, engine and bench use). Never the same port
 * twice in a JVM, and never the well-known 2379/5432/8008 a developer may be running.
 */
public final class Ports {
  private static final Set<Integer> HANDED_OUT = new HashSet<>();
  private static final Set<Integer> WELL_KNOWN = Set.of(2379, 5432, 8008);

  private Ports() {}

  /** A loopback port that was free a moment ago and that this JVM has not handed out before. */
  public static synchronized int free() {
    for (int i = 0; i < 100; i++) {
      try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
        int p = s.getLocalPort();
        if (!WELL_KNOWN.contains(p) && HANDED_OUT.add(p)) {
          return p;
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    throw new IllegalStateException("no free loopback port");
  }
}
