package io.synod.bridges.testing;

import io.synod.store.testing.Ports;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** Debian's etcd (package etcd-server) on two free loopback ports, data in a temp dir. */
public final class EtcdServer extends ServerProcess {
  public static final Path BINARY = Path.of("/usr/bin/etcd");
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

  public final int clientPort = Ports.free();
  public final int peerPort = Ports.free();

  private EtcdServer() throws IOException {
    super("etcd");
  }

  /** Starts a fresh single-member etcd and waits for /health. */
  public static EtcdServer started() throws IOException {
    requireExecutable(BINARY, "apt-get install -y etcd-server");
    EtcdServer s = new EtcdServer();
    try {
      s.start();
    } catch (IOException | RuntimeException | Error e) {
      s.close();
      throw e;
    }
    return s;
  }

  public String endpoint() {
    return "http://127.0.0.1:" + clientPort;
  }

  public String hostPort() {
    return "127.0.0.1:" + clientPort;
  }

  @Override
  protected List<String> command() {
    String peer = "http://127.0.0.1:" + peerPort;
    return List.of(
        BINARY.toString(),
        "--name",
        "t",
        "--data-dir",
        dir.resolve("data").toString(),
        "--listen-client-urls",
        endpoint(),
        "--advertise-client-urls",
        endpoint(),
        "--listen-peer-urls",
        peer,
        "--initial-advertise-peer-urls",
        peer,
        "--initial-cluster",
        "t=" + peer,
        "--initial-cluster-state",
        "new",
        "--log-level",
        "warn");
  }

  @Override
  protected boolean healthy() {
    try {
      HttpResponse<String> r =
          HTTP.send(
              HttpRequest.newBuilder(URI.create(endpoint() + "/health"))
                  .timeout(Duration.ofSeconds(1))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      return r.statusCode() == 200 && r.body().contains("true");
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  @Override
  protected String what() {
    return "etcd on " + endpoint();
  }
}
