package io.synod.engine.watchdog;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Synod's fence: a small sidecar process (synod-fence.sh) armed while this node runs the primary.
 * Each renewal tells it how long the lease is still safe; if that time passes without a new ping,
 * or the engine dies (its stdin closes), it stops PostgreSQL with an immediate shutdown.
 *
 * <p>It runs in a session of its own ({@code setsid}): a Ctrl-Z on a foreground {@code synod} or a
 * {@code kill -STOP -PGID} of the engine's process group must not freeze the fence together with
 * the engine, since the postmaster (in its own session) would keep taking writes. Arming waits for
 * the script to say it runs, so a fence that cannot start is known, not assumed.
 */
public final class Watchdog implements Fence, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Watchdog.class);
  private static final long HANDSHAKE_MS = 3000;

  private final Path script;
  private final Path dataDir;
  private final List<String> stopCommand;
  private Process proc;
  private OutputStream in;

  /**
   * @param workDir where the sidecar script is written
   * @param dataDir PostgreSQL's data directory (its postmaster.pid names the process to stop)
   * @param stopCommand how to stop PostgreSQL right now (pg_ctl stop -m immediate, as postgres)
   */
  public Watchdog(Path workDir, Path dataDir, List<String> stopCommand) {
    this.stopCommand = List.copyOf(stopCommand);
    this.dataDir = dataDir;
    this.script = workDir.resolve("synod-fence.sh");
  }

  @Override
  public synchronized boolean armed() {
    return proc != null && proc.isAlive();
  }

  /** The sidecar's pid while armed (tests check its session), else -1. */
  public synchronized long pid() {
    return armed() ? proc.pid() : -1;
  }

  @Override
  public synchronized boolean arm(long safeMs) {
    if (armed()) {
      ping(safeMs);
      return true;
    }
    try {
      installScript();
      List<String> cmd = new ArrayList<>();
      if (Files.isExecutable(Path.of("/usr/bin/setsid"))) {
        cmd.add("/usr/bin/setsid");
      } else {
        LOG.error("setsid not found: the fence shares the engine's process group");
      }
      cmd.addAll(List.of("/bin/bash", script.toString(), seconds(safeMs), dataDir.toString()));
      cmd.addAll(stopCommand);
      Process p =
          new ProcessBuilder(cmd)
              .redirectOutput(ProcessBuilder.Redirect.PIPE)
              .redirectError(ProcessBuilder.Redirect.INHERIT)
              .start();
      if (!handshake(p)) {
        p.destroyForcibly();
        LOG.error("fence did not start (no answer from {} within {} ms)", script, HANDSHAKE_MS);
        return false;
      }
      proc = p;
      in = p.getOutputStream();
      LOG.info(
          "fence armed (pid {}): PostgreSQL is stopped if the lease is not renewed within {} ms",
          p.pid(),
          safeMs);
      return true;
    } catch (IOException e) {
      LOG.error("fence could not start: {}", e.toString());
      return false;
    }
  }

  private static boolean handshake(Process p) {
    CompletableFuture<String> line =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return new BufferedReader(
                        new InputStreamReader(p.getInputStream(), StandardCharsets.US_ASCII))
                    .readLine();
              } catch (IOException e) {
                return null;
              }
            });
    try {
      return "armed".equals(line.get(HANDSHAKE_MS, TimeUnit.MILLISECONDS));
    } catch (Exception e) {
      return false;
    }
  }

  @Override
  public synchronized void ping(long safeMs) {
    send("ping " + seconds(safeMs));
  }

  @Override
  public synchronized void disarm() {
    if (!armed()) {
      proc = null;
      return;
    }
    send("disarm");
    try {
      if (!proc.waitFor(2, TimeUnit.SECONDS)) {
        proc.destroyForcibly();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    proc = null;
    LOG.info("fence disarmed");
  }

  private void send(String line) {
    if (in == null || proc == null) {
      return;
    }
    try {
      in.write((line + "\n").getBytes(StandardCharsets.US_ASCII));
      in.flush();
    } catch (IOException e) {
      LOG.warn("fence did not take '{}': {}", line, e.toString());
    }
  }

  private void installScript() throws IOException {
    Files.createDirectories(script.getParent());
    try (InputStream s = Watchdog.class.getResourceAsStream("synod-fence.sh")) {
      if (s == null) {
        throw new IOException("synod-fence.sh missing from the jar");
      }
      Files.copy(s, script, StandardCopyOption.REPLACE_EXISTING);
    }
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
  }

  private static String seconds(long ms) {
    return String.format(Locale.ROOT, "%.3f", Math.max(0.05, ms / 1000.0));
  }

  @Override
  public void close() {
    disarm();
  }
}
