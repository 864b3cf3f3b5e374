package io.synod.engine.ctl;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * demote-cluster and promote-cluster (Patroni 4.1's verbs): turn a cluster into a standby cluster
 * of a remote primary, or back into a primary cluster, by writing standby_cluster in the dynamic
 * configuration (PATCH /config), then waiting until its leader has changed role.
 */
final class StandbyVerbs {
  private static final Duration WAIT = Duration.ofSeconds(60);

  private StandbyVerbs() {}

  static boolean isStandbyCluster(Map<String, Object> config) {
    Object sc = config.get("standby_cluster");
    return sc instanceof Map<?, ?> m && !m.isEmpty();
  }

  /** PATCHes {@code standby_cluster}, then waits for the leader's role to become {@code role}. */
  static int apply(SynodCtl.Verb v, JsonNode c, Object standby, String role, String done) {
    Map<String, Object> patch = new LinkedHashMap<>();
    patch.put("standby_cluster", standby);
    Api.Reply r =
        v.api()
            .sendToAny(Actions.targets(v, c, null), "PATCH", "/config", patch, Api.DEFAULT_TIMEOUT);
    if (r.status() != 200) {
      throw CtlException.failed(
          "the configuration was not changed: " + r.status() + " " + r.text());
    }
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (System.nanoTime() < deadline) {
      JsonNode now;
      try {
        now = v.api().cluster();
      } catch (CtlException e) {
        now = null; // a node restarting its PostgreSQL may not answer for a moment
      }
      if (now != null) {
        for (JsonNode m : SynodCtl.members(now)) {
          if (role.equals(m.path("role").asText()) && "running".equals(state(m))) {
            v.out().println(done + " (" + m.path("name").asText() + ")");
            return 0;
          }
        }
      }
      Actions.sleep(500);
    }
    v.out()
        .println(
            "The configuration is changed, but no member became "
                + role
                + " within "
                + WAIT.toSeconds()
                + " s; see synodctl list and the leader's log");
    return CtlException.FAILED;
  }

  /** "running", also for a standby leader whose /cluster state shows its replication. */
  private static String state(JsonNode m) {
    String s = m.path("state").asText();
    return s.equals("streaming") || s.equals("in archive recovery") ? "running" : s;
  }

  @Command(
      name = "demote-cluster",
      description =
          "Make this cluster a standby cluster of a remote primary: its primary restarts as the"
              + " standby leader, replicating from --host/--port or --restore-command.")
  static final class DemoteCmd extends SynodCtl.Verb {
    @Parameters(arity = "0..1", paramLabel = "CLUSTER")
    String cluster;

    @Option(names = "--host", description = "the remote primary's host")
    String host;

    @Option(names = "--port", description = "the remote primary's port (default 5432)")
    Integer port;

    @Option(names = "--restore-command", description = "restore_command for the standby leader")
    String restoreCommand;

    @Option(names = "--primary-slot-name", description = "the slot to use on the remote primary")
    String primarySlotName;

    @Option(names = "--force", description = "do not ask for confirmation")
    boolean force;

    @Override
    public Integer call() {
      if (host == null && restoreCommand == null) {
        throw new CtlException(
            CtlException.USAGE, "At least --host or --restore-command should be specified");
      }
      if (port != null && (port < 1 || port > 65535)) {
        throw new CtlException(CtlException.USAGE, "--port: " + port + " is not a TCP port");
      }
      JsonNode c = cluster(cluster);
      if (isStandbyCluster(ConfigVerbs.fetchConfig(this, c).data())) {
        throw CtlException.failed("Cluster is already in the standby mode");
      }
      Map<String, Object> sc = new LinkedHashMap<>();
      if (host != null) {
        sc.put("host", host);
      }
      if (port != null) {
        sc.put("port", port);
      }
      if (restoreCommand != null) {
        sc.put("restore_command", restoreCommand);
      }
      if (primarySlotName != null) {
        sc.put("primary_slot_name", primarySlotName);
      }
      if (!force
          && !console()
              .confirm(
                  "Are you sure you want to demote the cluster "
                      + c.path("scope").asText()
                      + "? Its primary stops taking writes")) {
        throw new CtlException(CtlException.ABORTED, "Aborted");
      }
      return apply(
          this, c, sc, "standby_leader", "Cluster demoted: its leader is a standby leader");
    }
  }

  @Command(
      name = "promote-cluster",
      description = "Make this standby cluster a primary cluster: its standby leader is promoted.")
  static final class PromoteCmd extends SynodCtl.Verb {
    @Parameters(arity = "0..1", paramLabel = "CLUSTER")
    String cluster;

    @Option(names = "--force", description = "do not ask for confirmation")
    boolean force;

    @Override
    public Integer call() {
      JsonNode c = cluster(cluster);
      if (!isStandbyCluster(ConfigVerbs.fetchConfig(this, c).data())) {
        throw CtlException.failed("Cluster is not in the standby mode");
      }
      if (!force
          && !console()
              .confirm(
                  "Are you sure you want to promote the cluster "
                      + c.path("scope").asText()
                      + "? It stops following the remote primary and takes writes")) {
        throw new CtlException(CtlException.ABORTED, "Aborted");
      }
      return apply(this, c, null, "leader", "Cluster promoted: its leader is a primary");
    }
  }
}
