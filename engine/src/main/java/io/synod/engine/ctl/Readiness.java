package io.synod.engine.ctl;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Waits until a node's REST API answers {@code GET /patroni}: the readiness check of the systemd
 * unit ({@code ExecStartPost=/usr/bin/synod wait-ready ...}). Reaches the node as synodctl does
 * (restapi.connect_address, TLS and auth from the same YAML).
 */
public final class Readiness {
  private Readiness() {}

  /**
   * @return 0 once the node answers, 3 when it did not within {@code timeout}, 2 for a bad config
   */
  public static int await(Path config, Duration timeout, Map<String, String> env, PrintStream err) {
    Api api;
    String base;
    try {
      CtlSettings s = CtlSettings.load(config, List.of(), false, env);
      api = new Api(s);
      base = s.seeds.get(s.seeds.size() - 1);
    } catch (CtlException e) {
      err.println("synod wait-ready: " + e.getMessage());
      return e.exitCode;
    }
    long deadline = System.nanoTime() + timeout.toNanos();
    String last = "no answer yet";
    while (System.nanoTime() < deadline) {
      try {
        Api.Reply r = api.send(base, "GET", "/patroni", null, Duration.ofSeconds(2));
        if (r.status() == 200) {
          return 0;
        }
        last = "HTTP " + r.status();
      } catch (Api.Unreachable e) {
        last = e.getMessage();
      }
      try {
        Thread.sleep(500);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return CtlException.UNREACHABLE;
      }
    }
    err.println(
        "synod wait-ready: "
            + base
            + " did not answer GET /patroni within "
            + timeout
            + " ("
            + last
            + ")");
    return CtlException.UNREACHABLE;
  }
}
