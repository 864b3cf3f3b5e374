package io.synod.bench.chaos;

import io.synod.bench.cluster.Procs;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Three "hosts": one network namespace per node, each joined by a veth pair to a bridge in the root
 * namespace (10.77.0.254/24, the prober's side). Faults are set inside a node's namespace: nftables
 * drops traffic to and from the other nodes' addresses only (the prober at .254 still reaches the
 * node), and {@code tc netem} adds loss and latency (or, on kernels without netem, nftables drops a
 * random share of the peer traffic).
 *
 * <p>Names carry this JVM's pid ({@code sy<pid>n1}, {@code sy<pid>br}) so a later run can tell
 * leftovers of a dead run from a live one. {@link #close()} kills every process still in the
 * namespaces (by PID) and removes namespaces, veths and bridge; it also runs from a shutdown hook.
 */
public final class Namespaces implements AutoCloseable {
  public static final String NET = "10.77.0.0/24";
  public static final String PROBER_ADDR = "10.77.0.254";
  private static final String TABLE = "synodchaos";
  private static final Pattern OURS = Pattern.compile("^sy(\\d+)(n\\d|br)\\b");

  private final String id = "sy" + ProcessHandle.current().pid();
  private final int count;
  private final List<String> created = new ArrayList<>();
  private final Thread hook = new Thread(this::close, "chaos-namespaces-cleanup");
  private volatile boolean closed;
  private boolean netem = true;

  private Namespaces(int count) {
    this.count = count;
  }

  /** Whether namespaces can be made here: root, with {@code ip} and {@code nft}. */
  public static String unavailable() {
    if (!Procs.ROOT) {
      return "not root";
    }
    if (!ok(List.of("ip", "netns", "list"))) {
      return "`ip netns` does not work (install iproute2)";
    }
    if (!ok(List.of("nft", "--version"))) {
      return "nft missing (install nftables)";
    }
    return null;
  }

  /** Installs iproute2 / nftables with apt-get when missing and we are root. */
  public static void installTools() {
    List<String> need = new ArrayList<>();
    if (!ok(List.of("ip", "-V"))) {
      need.add("iproute2");
    }
    if (!ok(List.of("nft", "--version"))) {
      need.add("nftables");
    }
    if (need.isEmpty() || !Procs.ROOT) {
      return;
    }
    System.out.println("chaos: installing " + need + " (apt-get)");
    Procs.run(List.of("apt-get", "update", "-qq"), 300);
    List<String> cmd =
        new ArrayList<>(List.of("apt-get", "install", "-y", "-qq", "--no-install-recommends"));
    cmd.addAll(need);
    Procs.run(cmd, 600);
  }

  public static Namespaces create(int count) throws IOException {
    sweepLeftovers();
    Namespaces ns = new Namespaces(count);
    Runtime.getRuntime().addShutdownHook(ns.hook);
    try {
      ns.setUp();
    } catch (IOException | RuntimeException e) {
      ns.close();
      throw e;
    }
    return ns;
  }

  private void setUp() throws IOException {
    String br = id + "br";
    must(List.of("ip", "link", "add", br, "type", "bridge"));
    created.add("link:" + br);
    must(List.of("ip", "addr", "add", PROBER_ADDR + "/24", "dev", br));
    must(List.of("ip", "link", "set", br, "up"));
    for (int i = 1; i <= count; i++) {
      String ns = name(i);
      String host = id + "h" + i;
      must(List.of("ip", "netns", "add", ns));
      created.add("netns:" + ns);
      must(List.of("ip", "link", "add", host, "type", "veth", "peer", "name", "eth0", "netns", ns));
      created.add("link:" + host);
      must(List.of("ip", "link", "set", host, "master", br));
      must(List.of("ip", "link", "set", host, "up"));
      must(exec(i, "ip", "addr", "add", addr(i) + "/24", "dev", "eth0"));
      must(exec(i, "ip", "link", "set", "eth0", "up"));
      must(exec(i, "ip", "link", "set", "lo", "up"));
    }
  }

  /** Node i's (1-based) namespace. */
  public String name(int i) {
    return id + "n" + i;
  }

  /** Node i's address. */
  public static String addr(int i) {
    return "10.77.0." + i;
  }

  public List<String> addrs() {
    List<String> a = new ArrayList<>();
    for (int i = 1; i <= count; i++) {
      a.add(addr(i));
    }
    return a;
  }

  /** The prefix that runs a command inside node i's namespace. */
  public List<String> prefix(int i) {
    return List.of("ip", "netns", "exec", name(i));
  }

  private List<String> exec(int i, String... cmd) {
    List<String> c = new ArrayList<>(prefix(i));
    c.addAll(List.of(cmd));
    return c;
  }

  private String peerSet(int i) {
    List<String> p = new ArrayList<>();
    for (int j = 1; j <= count; j++) {
      if (j != i) {
        p.add(addr(j));
      }
    }
    return "{ " + String.join(", ", p) + " }";
  }

  /**
   * Node i stops hearing its peers: dropped both ways ({@code inbound}) or only what it sends. The
   * prober's traffic passes.
   */
  public void isolate(int i, boolean inbound) throws IOException {
    String peers = peerSet(i);
    StringBuilder r = new StringBuilder();
    r.append("table inet ").append(TABLE).append(" {\n");
    r.append(" chain out { type filter hook output priority 0; ip daddr ")
        .append(peers)
        .append(" drop; }\n");
    if (inbound) {
      r.append(" chain in { type filter hook input priority 0; ip saddr ")
          .append(peers)
          .append(" drop; }\n");
    }
    r.append("}\n");
    nft(i, r.toString());
  }

  /**
   * A lossy, slow link to the peers: netem on the node's interface when the kernel has it (also
   * delays the prober), else nftables dropping {@code lossPct}% of peer packets each way.
   */
  public String degrade(int i, int lossPct, int delayMs) throws IOException {
    if (netem) {
      List<String> cmd =
          exec(
              i,
              "tc",
              "qdisc",
              "replace",
              "dev",
              "eth0",
              "root",
              "netem",
              "delay",
              delayMs + "ms",
              (delayMs / 4) + "ms",
              "loss",
              lossPct + "%");
      if (ok(cmd)) {
        return "netem delay " + delayMs + " ms loss " + lossPct + "%";
      }
      netem = false; // "Specified qdisc kind is unknown": a kernel built without sch_netem
    }
    String peers = peerSet(i);
    nft(
        i,
        "table inet "
            + TABLE
            + " {\n chain out { type filter hook output priority 0; ip daddr "
            + peers
            + " numgen random mod 100 < "
            + lossPct
            + " drop; }\n chain in { type filter hook input priority 0; ip saddr "
            + peers
            + " numgen random mod 100 < "
            + lossPct
            + " drop; }\n}\n");
    return "nft loss " + lossPct + "% each way (no netem in this kernel: no delay)";
  }

  /** Removes node i's faults (nft table, netem qdisc). */
  public void heal(int i) {
    run(exec(i, "nft", "delete", "table", "inet", TABLE));
    run(exec(i, "tc", "qdisc", "del", "dev", "eth0", "root"));
  }

  private void nft(int i, String ruleset) throws IOException {
    heal(i);
    List<String> cmd = exec(i, "nft", "-f", "-");
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    p.getOutputStream().write(ruleset.getBytes(StandardCharsets.UTF_8));
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    try {
      if (!p.waitFor(20, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new IOException("nft failed in " + name(i) + ": " + out.strip() + "\n" + ruleset);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }

  /** PIDs of the processes running in node i's namespace. */
  public List<Long> pids(int i) {
    return pidsIn(name(i));
  }

  private static List<Long> pidsIn(String ns) {
    List<Long> out = new ArrayList<>();
    for (String l : Procs.run(List.of("ip", "netns", "pids", ns), 10).split("\\s+")) {
      if (l.matches("\\d+")) {
        out.add(Long.parseLong(l));
      }
    }
    return out;
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    for (int k = created.size() - 1; k >= 0; k--) {
      String what = created.get(k);
      String name = what.substring(what.indexOf(':') + 1);
      if (what.startsWith("netns:")) {
        Procs.killAll(pidsIn(name));
        run(List.of("ip", "netns", "del", name));
      } else {
        run(List.of("ip", "link", "del", name));
      }
    }
    created.clear();
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException e) {
      // already shutting down
    }
  }

  /**
   * Removes what a chaos run that died without cleaning up (SIGKILL) left: namespaces and bridges
   * named for a pid that no longer runs, with the processes still inside them.
   */
  static void sweepLeftovers() {
    for (String line : Procs.run(List.of("ip", "netns", "list"), 10).split("\n")) {
      Matcher m = OURS.matcher(line.strip());
      if (m.find() && dead(m.group(1))) {
        String ns = line.strip().split("\\s+")[0];
        System.out.println("chaos: removing namespace " + ns + " left by a dead run");
        Procs.killAll(pidsIn(ns));
        run(List.of("ip", "netns", "del", ns));
      }
    }
    for (String line : Procs.run(List.of("ip", "-o", "link", "show"), 10).split("\n")) {
      String[] f = line.split(":\\s+");
      if (f.length > 1) {
        String dev = f[1].split("@")[0];
        Matcher m = Pattern.compile("^sy(\\d+)(br|h\\d)$").matcher(dev);
        if (m.find() && dead(m.group(1))) {
          run(List.of("ip", "link", "del", dev));
        }
      }
    }
  }

  private static boolean dead(String pid) {
    return ProcessHandle.of(Long.parseLong(pid)).map(h -> !h.isAlive()).orElse(true);
  }

  private static void must(List<String> cmd) throws IOException {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    try {
      if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new IOException(String.join(" ", cmd) + " failed: " + out.strip());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }

  private static boolean ok(List<String> cmd) {
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      p.getInputStream().readAllBytes();
      return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private static void run(List<String> cmd) {
    ok(cmd);
  }
}
