package io.synod.bridges.testing;

import io.synod.store.testing.Ports;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Debian's ZooKeeper (package zookeeper) standalone on a free loopback port, data in a temp dir.
 * tickTime is 1000 ms, so sessions may be as short as 2 s (the server's minimum is 2 ticks).
 */
public final class ZooKeeperServer extends ServerProcess {
  public static final Path JAR = Path.of("/usr/share/java/zookeeper.jar");

  public final int port = Ports.free();

  private ZooKeeperServer() throws IOException {
    super("zookeeper");
    Files.writeString(
        dir.resolve("zoo.cfg"),
        String.join(
            "\n",
            "tickTime=1000",
            "dataDir=" + dir.resolve("data"),
            "clientPort=" + port,
            "clientPortAddress=127.0.0.1",
            "admin.enableServer=false",
            "4lw.commands.whitelist=ruok,srvr,stat,mntr",
            ""));
  }

  public static ZooKeeperServer started() throws IOException {
    requireExecutable(JAR, "apt-get install -y zookeeper");
    ZooKeeperServer s = new ZooKeeperServer();
    try {
      s.start();
    } catch (IOException | RuntimeException | Error e) {
      s.close();
      throw e;
    }
    return s;
  }

  public String hostPort() {
    return "127.0.0.1:" + port;
  }

  @Override
  protected List<String> command() {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    return List.of(
        java,
        "-Xmx128m",
        "-XX:TieredStopAtLevel=1",
        "-cp",
        JAR.toString(),
        "org.apache.zookeeper.server.quorum.QuorumPeerMain",
        dir.resolve("zoo.cfg").toString());
  }

  @Override
  protected boolean healthy() {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 500);
      s.setSoTimeout(1000);
      OutputStream out = s.getOutputStream();
      out.write("ruok".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = s.getInputStream();
      return new String(in.readAllBytes(), StandardCharsets.US_ASCII).contains("imok");
    } catch (IOException e) {
      return false;
    }
  }

  @Override
  protected String what() {
    return "ZooKeeper on " + hostPort();
  }
}
