package io.synod.store.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.HashSet;
import java.util.Set;

/**
 * Free loopback ports for test fixtures (never the well-known 2379/5432/8008 a developer may run).
 */
public final class Ports {
  private static final Set<Integer> handedOut = new HashSet<>();

  private Ports() {}

  public static synchronized int free() {
    for (int i = 0; i < 100; i++) {
      try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
        int p = s.getLocalPort();
        if (handedOut.add(p)) {
          return p;
        }
      } catch (IOException e) {
        throw new IllegalStateException("no free loopback port", e);
      }
    }
    throw new IllegalStateException("no free loopback port");
  }
}
