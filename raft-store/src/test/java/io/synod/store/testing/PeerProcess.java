package io.synod.store.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A {@link StorePeerMain} child JVM: start, send a command, read its answer, kill -9. */
public final class PeerProcess implements AutoCloseable {
  private final Path dataDir;
  private final Path logFile;
  private final List<String> cmd;
  private Process proc;
  private PrintWriter stdin;
  private final BlockingQueue<String> answers = new LinkedBlockingQueue<>();
  private PeerTransport transport = PeerTransport.plain();
  private String bind;
  private String netns;

  public PeerProcess(
      String group,
      Path dataDir,
      String self,
      List<String> peers,
      int electionMs,
      long requestMs,
      Path logFile) {
    this.dataDir = dataDir;
    this.logFile = logFile;
    String cp =
        System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    cmd =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m",
                "-XX:+UseSerialGC"));
    cmd.addAll(io.synod.store.JvmFlags.REQUIRED);
    cmd.addAll(
        List.of(
            "-cp",
            cp,
            StorePeerMain.class.getName(),
            group,
            dataDir.toString(),
            self,
            String.join(",", peers),
            String.valueOf(electionMs),
            String.valueOf(requestMs)));
  }

  /** How this peer authenticates (default: plain). */
  public PeerProcess transport(PeerTransport t) {
    this.transport = t;
    return this;
  }

  /** The "host:port" the peer listens on when it differs from its Raft address. */
  public PeerProcess bind(String hostPort) {
    this.bind = hostPort;
    return this;
  }

  /** Runs the peer in network namespace {@code ns} (ip netns exec; root only). */
  public PeerProcess netns(String ns) {
    this.netns = ns;
    return this;
  }

  public PeerProcess start() throws IOException, InterruptedException {
    Files.createDirectories(dataDir.getParent());
    List<String> full = new ArrayList<>();
    if (netns != null) {
      full.addAll(List.of("ip", "netns", "exec", netns));
    }
    full.addAll(cmd);
    ProcessBuilder pb = new ProcessBuilder(full).redirectErrorStream(true);
    transport.putInto(pb.environment());
    if (bind != null) {
      pb.environment().put(StorePeerMain.ENV_BIND, bind);
    }
    // RocksDB unpacks its native library per JVM; keep it out of /tmp so kills leave nothing
    // behind.
    pb.environment().put("ROCKSDB_SHAREDLIB_DIR", dataDir.getParent().toString());
    io.synod.store.JvmFlags.NODE_ENV.forEach(pb.environment()::putIfAbsent); // as a node runs
    proc = pb.start();
    stdin = new PrintWriter(proc.getOutputStream(), true);
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader r =
                      new BufferedReader(new InputStreamReader(proc.getInputStream()));
                  PrintWriter log =
                      new PrintWriter(
                          Files.newBufferedWriter(
                              logFile,
                              java.nio.file.StandardOpenOption.CREATE,
                              java.nio.file.StandardOpenOption.APPEND))) {
                String line;
                while ((line = r.readLine()) != null) {
                  log.println(line);
                  log.flush();
                  if (line.startsWith("@@ ")) {
                    answers.add(line.substring(3));
                  }
                }
              } catch (IOException e) {
                // process gone
              }
            },
            "peer-out-" + dataDir.getFileName());
    reader.setDaemon(true);
    reader.start();
    // generous: a JVM that derives the Raft CA (PBKDF2) and opens RocksDB took over 60 s on a
    // 2-core machine at load average 24
    String first = answers.poll(180, TimeUnit.SECONDS);
    if (!"STARTED".equals(first)) {
      String log;
      try {
        log = java.nio.file.Files.readString(logFile);
      } catch (IOException e) {
        log = e.toString();
      }
      throw new IllegalStateException(
          "peer did not start (" + first + "); its log " + logFile + ":\n" + tail(log));
    }
    return this;
  }

  /** Sends one command and waits (bounded) for its one-line answer. */
  public String ask(String command) throws InterruptedException {
    answers.clear();
    stdin.println(command);
    String a = answers.poll(60, TimeUnit.SECONDS);
    if (a == null) {
      throw new IllegalStateException("no answer to '" + command + "' within 60 s; see " + logFile);
    }
    return a;
  }

  public Path logFile() {
    return logFile;
  }

  public long pid() {
    return proc.pid();
  }

  public boolean alive() {
    return proc != null && proc.isAlive();
  }

  /** kill -9: no shutdown hook runs, nothing is flushed beyond what Raft already fsynced. */
  public void kill() throws InterruptedException {
    if (proc != null && proc.isAlive()) {
      proc.destroyForcibly();
      proc.waitFor(30, TimeUnit.SECONDS);
    }
  }

  @Override
  public void close() throws InterruptedException {
    kill();
  }

  private static String tail(String s) {
    return s.length() <= 4000 ? s : s.substring(s.length() - 4000);
  }
}
