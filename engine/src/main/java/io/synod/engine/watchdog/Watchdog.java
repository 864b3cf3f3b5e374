package io.synod.engine.watchdog;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fences the local primary when the engine can no longer vouch for its lease.
 *
 * <p>A small sidecar process (synod-fence.sh) is armed while this node runs the primary. Each
 * successful renewal tells it how long the lease is still safe; if that time passes without a new
 * ping, or the engine dies (its stdin closes), it stops PostgreSQL with an immediate shutdown. This
 * covers what the HA loop cannot: a JVM that is frozen, or killed while PostgreSQL keeps running.
 */
public final class Watchdog implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Watchdog.class);

  private final Path script;
  private final List<String> stopCommand;
  private Process proc;
  private OutputStream in;

  /**
   * @param workDir where the sidecar script is written
   * @param stopCommand how to stop PostgreSQL right now (pg_ctl stop -m immediate, as postgres)
   */
  public Watchdog(Path workDir, List<String> stopCommand) {
    this.stopCommand = List.copyOf(stopCommand);
    this.script = workDir.resolve("synod-fence.sh");
  }

  public synchronized boolean armed() {
    return proc != null && proc.isAlive();
  }

  /** Starts watching with {@code safeMs} of lease left; a no-op (but a ping) when already armed. */
  public synchronized void arm(long safeMs) {
    if (armed()) {
      ping(safeMs);
      return;
    }
    try {
      installScript();
      List<String> cmd = new ArrayList<>(List.of("/bin/bash", script.toString(), seconds(safeMs)));
      cmd.addAll(stopCommand);
      ProcessBuilder pb =
          new ProcessBuilder(cmd)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .redirectError(ProcessBuilder.Redirect.INHERIT);
      proc = pb.start();
      in = proc.getOutputStream();
      LOG.info(
          "watchdog armed: PostgreSQL is stopped if the lease is not renewed within {} ms", safeMs);
    } catch (IOException e) {
      LOG.error("watchdog could not start ({}); the primary runs without a fence", e.toString());
    }
  }

  /** After a successful renewal: the primary is safe for {@code safeMs} more. */
  public synchronized void ping(long safeMs) {
    send("ping " + seconds(safeMs));
  }

  /** Stop watching without touching PostgreSQL (demoted, or shutting down cleanly). */
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
    LOG.info("watchdog disarmed");
  }

  private void send(String line) {
    if (in == null || proc == null) {
      return;
    }
    try {
      in.write((line + "\n").getBytes(StandardCharsets.US_ASCII));
      in.flush();
    } catch (IOException e) {
      LOG.warn("watchdog did not take '{}': {}", line, e.toString());
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
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
  }

  private static String seconds(long ms) {
    return String.format(Locale.ROOT, "%.3f", Math.max(0.05, ms / 1000.0));
  }

  @Override
  public void close() {
    disarm();
  }
}
