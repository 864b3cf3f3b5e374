package io.synod.store.testing;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * A network namespace joined to this host by a veth pair (a /30 in 10.213.0.0/16): a process in it
 * reaches this host only at {@link #hostAddress()}, like another machine on the LAN would. Root
 * only; {@link #close()} removes both.
 */
public final class NetNamespace implements AutoCloseable {
  private final String name;
  private final String hostIf;
  private final String hostAddress;
  private final String nsAddress;

  private NetNamespace(String name, String hostIf, String hostAddress, String nsAddress) {
    this.name = name;
    this.hostIf = hostIf;
    this.hostAddress = hostAddress;
    this.nsAddress = nsAddress;
  }

  /** True when this process may create namespaces (root, with iproute2 installed). */
  public static boolean available() {
    try {
      return "root".equals(System.getProperty("user.name")) && run(List.of("ip", "netns", "list"));
    } catch (IOException e) {
      return false;
    }
  }

  public static NetNamespace create() throws IOException {
    ThreadLocalRandom r = ThreadLocalRandom.current();
    String id = String.valueOf(10000 + r.nextInt(90000));
    int net = r.nextInt(256);
    int sub = r.nextInt(64) * 4;
    String ns = "synod-t" + id;
    String hostIf = "sy" + id + "h";
    String nsIf = "sy" + id + "n";
    String h = "10.213." + net + "." + (sub + 1);
    String n = "10.213." + net + "." + (sub + 2);
    NetNamespace created = new NetNamespace(ns, hostIf, h, n);
    List<List<String>> steps =
        List.of(
            List.of("ip", "netns", "add", ns),
            List.of("ip", "link", "add", hostIf, "type", "veth", "peer", "name", nsIf),
            List.of("ip", "link", "set", nsIf, "netns", ns),
            List.of("ip", "addr", "add", h + "/30", "dev", hostIf),
            List.of("ip", "link", "set", hostIf, "up"),
            List.of("ip", "netns", "exec", ns, "ip", "addr", "add", n + "/30", "dev", nsIf),
            List.of("ip", "netns", "exec", ns, "ip", "link", "set", nsIf, "up"),
            List.of("ip", "netns", "exec", ns, "ip", "link", "set", "lo", "up"));
    for (List<String> step : steps) {
      if (!run(step)) {
        created.close();
        throw new IOException("could not set up network namespace: " + String.join(" ", step));
      }
    }
    return created;
  }

  public String name() {
    return name;
  }

  /** This host's end of the link: the address a server must listen on to be reachable. */
  public String hostAddress() {
    return hostAddress;
  }

  /** The namespace's own address. */
  public String nsAddress() {
    return nsAddress;
  }

  /**
   * Cuts the namespace off the network (nftables in the namespace drops everything but loopback),
   * like a pulled cable: packets vanish, connections time out.
   */
  public void isolate() throws IOException {
    String t = "inet synodcut";
    for (String rule :
        List.of(
            "add table " + t,
            "add chain " + t + " in { type filter hook input priority 0 ; }",
            "add rule " + t + " in iifname != \"lo\" drop",
            "add chain " + t + " out { type filter hook output priority 0 ; }",
            "add rule " + t + " out oifname != \"lo\" drop")) {
      List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", name, "nft"));
      cmd.addAll(List.of(rule.split(" ")));
      if (!run(cmd)) {
        throw new IOException("nft failed: " + String.join(" ", cmd));
      }
    }
  }

  /** Undoes {@link #isolate()}. */
  public void heal() throws IOException {
    if (!run(List.of("ip", "netns", "exec", name, "nft", "delete", "table", "inet", "synodcut"))) {
      throw new IOException("nft delete table failed in " + name);
    }
  }

  @Override
  public void close() throws IOException {
    List<String> failed = new ArrayList<>();
    if (!run(List.of("ip", "link", "del", hostIf)) && linkExists()) {
      failed.add("link " + hostIf);
    }
    if (!run(List.of("ip", "netns", "del", name))) {
      failed.add("netns " + name);
    }
    if (!failed.isEmpty()) {
      throw new IOException("could not remove " + failed);
    }
  }

  private boolean linkExists() throws IOException {
    return run(List.of("ip", "link", "show", hostIf));
  }

  private static boolean run(List<String> cmd) throws IOException {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    p.getInputStream().readAllBytes();
    try {
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return false;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
    return p.exitValue() == 0;
  }
}
