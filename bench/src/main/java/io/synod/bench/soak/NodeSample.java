package io.synod.bench.soak;

import io.synod.bench.idle.ProcessLook;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One look at a node's engine JVM from outside, as an operator would take it: RSS, threads and CPU
 * time from /proc ({@link ProcessLook}), heap in use from {@code jcmd GC.heap_info}, and the
 * store's watch count and Raft term from the node's {@code /metrics}.
 *
 * @param heapUsedKb -1 when jcmd did not answer
 * @param watches -1 when /metrics did not answer
 * @param raftTerm -1 when /metrics did not answer
 */
public record NodeSample(
    long nanos,
    long rssKb,
    int threads,
    long cpuTicks,
    long heapUsedKb,
    int watches,
    long raftTerm) {

  private static final Pattern USED = Pattern.compile("used (\\d+)K");

  static NodeSample take(long pid, String metrics) {
    ProcessLook p;
    try {
      p = ProcessLook.of(pid);
    } catch (IOException | RuntimeException e) {
      p = null; // the process is gone: the sample says so with -1s
    }
    return new NodeSample(
        p == null ? System.nanoTime() : p.nanos(),
        p == null ? -1 : p.rssKb(),
        p == null ? -1 : p.threads(),
        p == null ? -1 : p.cpuTicks(),
        heapUsedKb(pid),
        (int) metric(metrics, "synod_store_watches"),
        metric(metrics, "synod_raft_term"));
  }

  /** Sum of "used NK" over the heap's generations/regions in jcmd's GC.heap_info. */
  public static long heapUsedKb(long pid) {
    String jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
    try {
      Process p = new ProcessBuilder(jcmd, Long.toString(pid), "GC.heap_info").start();
      String out = new String(p.getInputStream().readAllBytes());
      if (!p.waitFor(20, TimeUnit.SECONDS) || p.exitValue() != 0) {
        p.destroyForcibly();
        return -1;
      }
      return heapUsedKb(out);
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  static long heapUsedKb(String heapInfo) {
    long sum = 0;
    boolean any = false;
    for (String line : heapInfo.split("\n")) {
      String l = line.strip();
      // generation lines (serial/parallel: "def new generation", "tenured generation"; G1:
      // "garbage-first heap")
      if ((l.contains("generation")
              || l.startsWith("garbage-first heap")
              || l.startsWith("PSYoungGen")
              || l.startsWith("ParOldGen"))
          && !l.startsWith("Metaspace")) {
        Matcher m = USED.matcher(l);
        if (m.find()) {
          sum += Long.parseLong(m.group(1));
          any = true;
        }
      }
    }
    return any ? sum : -1;
  }

  /** A gauge's value in Prometheus text (first sample), or -1. */
  public static long metric(String text, String name) {
    if (text == null) {
      return -1;
    }
    for (String line : text.split("\n")) {
      if (line.startsWith(name + " ") || line.startsWith(name + "{")) {
        String v = line.substring(line.lastIndexOf(' ') + 1).strip();
        try {
          return (long) Double.parseDouble(v);
        } catch (NumberFormatException e) {
          return -1;
        }
      }
    }
    return -1;
  }
}
