package io.synod.bench.idle;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A process seen from /proc, as {@code top} and {@code iotop} would see it: CPU ticks, RSS,
 * threads, bytes written, and CPU ticks per thread (by the kernel's 15-character thread name), so
 * the cost of an idle node can be traced to the threads that spend it.
 *
 * @param cpuTicks utime + stime, in USER_HZ ticks (1/100 s)
 * @param writeBytes bytes this process caused to be written to storage (/proc/PID/io)
 * @param threadTicks CPU ticks per thread id
 * @param threadNames thread name per thread id
 */
public record ProcessLook(
    long nanos,
    long cpuTicks,
    long rssKb,
    int threads,
    long writeBytes,
    Map<Long, Long> threadTicks,
    Map<Long, String> threadNames) {

  public static ProcessLook of(long pid) throws IOException {
    long now = System.nanoTime();
    Path proc = Path.of("/proc", Long.toString(pid));
    long rss = -1;
    int threads = -1;
    for (String line : Files.readAllLines(proc.resolve("status"))) {
      if (line.startsWith("VmRSS:")) {
        rss = Long.parseLong(line.replaceAll("\\D", ""));
      } else if (line.startsWith("Threads:")) {
        threads = Integer.parseInt(line.replaceAll("\\D", ""));
      }
    }
    long written = -1;
    try {
      for (String line : Files.readAllLines(proc.resolve("io"))) {
        if (line.startsWith("write_bytes:")) {
          written = Long.parseLong(line.replaceAll("\\D", ""));
        }
      }
    } catch (IOException e) {
      // not readable without privileges: reported as -1
    }
    Map<Long, Long> ticks = new HashMap<>();
    Map<Long, String> names = new HashMap<>();
    try (DirectoryStream<Path> tasks = Files.newDirectoryStream(proc.resolve("task"))) {
      for (Path t : tasks) {
        try {
          long tid = Long.parseLong(t.getFileName().toString());
          ticks.put(tid, ticks(Files.readString(t.resolve("stat"))));
          names.put(tid, Files.readString(t.resolve("comm")).strip());
        } catch (IOException | RuntimeException e) {
          // the thread ended between the listing and the read
        }
      }
    }
    return new ProcessLook(
        now, ticks(Files.readString(proc.resolve("stat"))), rss, threads, written, ticks, names);
  }

  /** utime + stime from a /proc stat line (fields 14 and 15, after the command in brackets). */
  static long ticks(String stat) {
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return Long.parseLong(f[11]) + Long.parseLong(f[12]);
  }

  /** Bytes under a directory (the Raft log, meta and snapshots). */
  static long du(Path dir) {
    if (!Files.isDirectory(dir)) {
      return -1;
    }
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(Files::isRegularFile)
          .mapToLong(
              p -> {
                try {
                  return Files.size(p);
                } catch (IOException e) {
                  return 0;
                }
              })
          .sum();
    } catch (IOException e) {
      return -1;
    }
  }
}
