package io.synod.bench.drill;

import io.synod.bench.cluster.Procs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The facts that go with every result: CPU, cores, memory, OS, JDK, PostgreSQL, load. */
public final class MachineFacts {
  private MachineFacts() {}

  public static Map<String, Object> collect() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("taken_at", Instant.now().toString());
    m.put("cores", Runtime.getRuntime().availableProcessors());
    m.put("cpu", cpuModel());
    m.put("memory_mb", memTotalMb());
    m.put("os", osName());
    m.put("kernel", Procs.run(List.of("uname", "-r"), 5));
    m.put(
        "jdk",
        System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
    m.put("postgresql", Procs.run(List.of("/usr/lib/postgresql/15/bin/postgres", "--version"), 10));
    m.put("loadavg", loadAvg());
    return m;
  }

  /** "1-min 5-min 15-min" load averages now. */
  public static String loadAvg() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
      return f[0] + " " + f[1] + " " + f[2];
    } catch (IOException | RuntimeException e) {
      return "?";
    }
  }

  private static String cpuModel() {
    try {
      return Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
          .filter(l -> l.startsWith("model name"))
          .map(l -> l.substring(l.indexOf(':') + 1).trim())
          .findFirst()
          .orElse("?");
    } catch (IOException e) {
      return "?";
    }
  }

  private static long memTotalMb() {
    try {
      return Files.readAllLines(Path.of("/proc/meminfo")).stream()
          .filter(l -> l.startsWith("MemTotal:"))
          .mapToLong(l -> Long.parseLong(l.replaceAll("\\D+", "")) / 1024)
          .findFirst()
          .orElse(-1);
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  private static String osName() {
    try {
      return Files.readAllLines(Path.of("/etc/os-release")).stream()
          .filter(l -> l.startsWith("PRETTY_NAME="))
          .map(l -> l.substring(12).replace("\"", ""))
          .findFirst()
          .orElse("?");
    } catch (IOException e) {
      return "?";
    }
  }
}
