package io.synod.engine.ctl;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The verbs that change the cluster: switchover, failover, restart, reload, reinit, flush, remove.
 *
 * <p>(Over ~600 lines: each verb carries patronictl's prompts, confirmations and scheduling
 * options; they share the member lookup and the authenticated REST client kept here.)
 */
final class Actions {
  private Actions() {}

  /**
   * Where to send a cluster-wide request: the leader first, then the node that answered, then
   * everyone else.
   */
  static List<String> targets(SynodCtl.Verb v, JsonNode c, String preferred) {
    Set<String> out = new LinkedHashSet<>();
    if (preferred != null) {
      JsonNode m = SynodCtl.member(c, preferred);
      if (m != null && Api.baseOf(m) != null) {
        out.add(Api.baseOf(m));
      }
    }
    String leader = SynodCtl.leader(c);
    if (leader != null && Api.baseOf(SynodCtl.member(c, leader)) != null) {
      out.add(Api.baseOf(SynodCtl.member(c, leader)));
    }
    if (v.api().clusterBase() != null) {
      out.add(v.api().clusterBase());
    }
    for (JsonNode m : SynodCtl.members(c)) {
      if (Api.baseOf(m) != null) {
        out.add(Api.baseOf(m));
      }
    }
    return new ArrayList<>(out);
  }

  static String nextHour() {
    return OffsetDateTime.now()
        .plusHours(1)
        .format(DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm"));
  }

  /** patronictl's _do_failover_or_switchover. */
  static int failoverOrSwitchover(
      SynodCtl.Verb v,
      String action,
      String clusterName,
      String leaderOpt,
      String candidate,
      String scheduled,
      boolean force) {
    JsonNode c = v.cluster(clusterName);
    String scope = c.path("scope").asText();
    String current = SynodCtl.leader(c);
    boolean paused = c.path("pause").asBoolean(false);
    if (action.equals("switchover") && current == null) {
      throw CtlException.failed("This cluster has no leader");
    }
    String leader = leaderOpt;
    if (action.equals("switchover")) {
      if (leader == null) {
        leader = force ? current : v.console().prompt("Primary", current);
      }
      if (!leader.equals(current)) {
        throw CtlException.failed("Member " + leader + " is not the leader of cluster " + scope);
      }
    }
    List<String> candidates = new ArrayList<>();
    for (JsonNode m : SynodCtl.members(c)) {
      String n = m.path("name").asText();
      boolean nofailover = m.path("tags").path("nofailover").asBoolean(false);
      if (!n.equals(current) && !nofailover && !SynodCtl.isWitness(m)) {
        candidates.add(n);
      }
    }
    if (candidates.isEmpty()) {
      throw CtlException.failed("No candidates found to " + action + " to");
    }
    String cand = candidate;
    if (cand == null && !force) {
      cand = v.console().prompt("Candidate " + candidates, "");
      if (cand.isEmpty()) {
        cand = null;
      }
    }
    if (action.equals("failover") && cand == null) {
      throw CtlException.failed("Failover could be performed only to a specific candidate");
    }
    if (cand != null && !candidates.contains(cand)) {
      String named = cand;
      if (SynodCtl.members(c).stream()
          .anyMatch(m -> m.path("name").asText().equals(named) && SynodCtl.isWitness(m))) {
        throw CtlException.failed(
            "Member "
                + cand
                + " is a witness (a Raft voter without a database) and can never be the leader");
      }
      if (cand.equals(current)) {
        throw CtlException.failed("Member " + cand + " is already the leader of cluster " + scope);
      }
      throw CtlException.failed(
          "Member " + cand + " does not exist in cluster " + scope + " or is tagged as nofailover");
    }
    OffsetDateTime at = null;
    if (action.equals("switchover")) {
      String when = scheduled;
      if (when == null && !force) {
        when =
            v.console()
                .prompt("When should the switchover take place (e.g. " + nextHour() + " ) ", "now");
      }
      at = SynodCtl.parseScheduled(when);
      if (at != null && paused) {
        throw CtlException.failed("Can't schedule switchover in the paused state");
      }
    }
    Map<String, Object> body = new LinkedHashMap<>();
    if (action.equals("switchover")) {
      body.put("leader", leader);
    }
    if (cand != null) {
      body.put("candidate", cand);
    }
    if (at != null) {
      body.put("scheduled_at", at.toString());
    }
    if (!force) {
      String demote = current == null ? "" : ", demoting current leader " + current;
      if (at != null) {
        v.console()
            .confirmOrAbort(
                "Are you sure you want to schedule switchover of cluster "
                    + scope
                    + " at "
                    + at
                    + demote
                    + "?",
                "Aborting scheduled " + action);
      } else {
        v.console()
            .confirmOrAbort(
                "Are you sure you want to " + action + " cluster " + scope + demote + "?",
                "Aborting " + action);
      }
    }
    Api.Reply r =
        v.api()
            .sendToAny(targets(v, c, current), "POST", "/" + action, body, Duration.ofSeconds(60));
    if (r.status() == 200 || r.status() == 202) {
      v.out().println(SynodCtl.timestamp() + " " + r.text());
      if (r.status() == 200) {
        Views.printMembers(v, v.api().cluster(), false, "pretty", false);
      }
      return 0;
    }
    v.out().println(title(action) + " failed, details: " + r.status() + ", " + r.text());
    return CtlException.FAILED;
  }

  static String title(String s) {
    return Character.toUpperCase(s.charAt(0)) + s.substring(1);
  }

  @Command(
      name = "switchover",
      description = "Hand the leader role over to a replica, now or at a scheduled time.")
  static final class SwitchoverCmd extends SynodCtl.Verb {
    @Parameters(arity = "0..1", paramLabel = "CLUSTER")
    String cluster;

    @Option(
        names = {"--leader", "--primary", "--master"},
        description = "the current leader (checked)")
    String leader;

    @Option(
        names = "--candidate",
        description = "the member to promote (default: the healthiest replica)")
    String candidate;

    @Option(
        names = "--scheduled",
        description = "when (ISO 8601, e.g. 2030-01-31T12:00+00:00), or now")
    String scheduled;

    @Option(names = "--force", description = "do not ask anything")
    boolean force;

    @Override
    public Integer call() {
      return failoverOrSwitchover(this, "switchover", cluster, leader, candidate, scheduled, force);
    }
  }

  @Command(
      name = "failover",
      description = "Promote a specific replica, even when the cluster has no healthy leader.")
  static final class FailoverCmd extends SynodCtl.Verb {
    @Parameters(arity = "0..1", paramLabel = "CLUSTER")
    String cluster;

    @Option(names = "--candidate", description = "the member to promote")
    String candidate;

    @Option(names = "--force", description = "do not ask anything")
    boolean force;

    @Override
    public Integer call() {
      return failoverOrSwitchover(this, "failover", cluster, null, candidate, null, force);
    }
  }

  /**
   * patronictl's get_members: [CLUSTER] [MEMBER...] filtered by role; all members when none is
   * named.
   */
  static List<JsonNode> pickMembers(
      SynodCtl.Verb v,
      JsonNode c,
      List<String> args,
      String role,
      boolean force,
      String action,
      boolean namesRequired) {
    List<String> names = new ArrayList<>(args);
    String scope = c.path("scope").asText();
    if (!names.isEmpty()
        && names.get(0).equals(scope)
        && SynodCtl.member(c, names.get(0)) == null) {
      names.remove(0);
    }
    // A witness has no PostgreSQL to restart, reinitialize or flush: left out unless named (and
    // then its REST API says why it refuses); it reloads its YAML like any node.
    boolean skipWitnesses = names.isEmpty() && !action.equals("reload");
    List<JsonNode> matching = new ArrayList<>();
    for (JsonNode m : SynodCtl.members(c)) {
      if (SynodCtl.hasRole(m, role) && !(skipWitnesses && SynodCtl.isWitness(m))) {
        matching.add(m);
      }
    }
    Set<String> candidates = new LinkedHashSet<>();
    matching.forEach(m -> candidates.add(m.path("name").asText()));
    if (!force) {
      if (names.isEmpty() && candidates.isEmpty()) {
        throw CtlException.failed(scope + " cluster doesn't have any members");
      }
      Views.printMembers(v, c, false, "pretty", false);
    }
    if (!names.isEmpty()) {
      for (String n : names) {
        if (SynodCtl.member(c, n) == null) {
          throw CtlException.failed(n + " is not a member of cluster " + scope);
        }
      }
      names.retainAll(candidates);
      if (names.isEmpty()) {
        throw CtlException.failed(
            "No '" + (role == null ? "any" : role) + "' among provided members");
      }
    } else if (!namesRequired) {
      names.addAll(candidates);
    }
    if (names.isEmpty()) {
      if (force) {
        throw new CtlException(CtlException.USAGE, "name the member(s) to " + action);
      }
      String n =
          v.console()
              .prompt(
                  "Which member do you want to "
                      + action
                      + " ["
                      + String.join(", ", candidates)
                      + "]?",
                  "");
      if (!candidates.contains(n)) {
        throw CtlException.failed(n + " is not a member of cluster " + scope);
      }
      names.add(n);
    }
    List<JsonNode> out = new ArrayList<>();
    for (JsonNode m : matching) {
      if (names.contains(m.path("name").asText())) {
        out.add(m);
      }
    }
    return out;
  }

  static String names(List<JsonNode> ms) {
    List<String> n = new ArrayList<>();
    ms.forEach(m -> n.add(m.path("name").asText()));
    return String.join(", ", n);
  }

  @Command(
      name = "restart",
      description = "Restart PostgreSQL on members (all by default), now or at a scheduled time.")
  static final class RestartCmd extends SynodCtl.Verb {
    @Parameters(arity = "0..*", paramLabel = "[CLUSTER] [MEMBER...]")
    List<String> args = new ArrayList<>();

    @Option(
        names = {"-r", "--role"},
        defaultValue = "any",
        description = "leader, primary, replica, standby, any")
    String role;

    @Option(names = "--any", description = "restart one member only, picked at random")
    boolean any;

    @Option(names = "--scheduled", description = "when (ISO 8601), or now")
    String scheduled;

    @Option(
        names = "--pg-version",
        description = "only if the PostgreSQL version is older than this (e.g. 15.9)")
    String pgVersion;

    @Option(names = "--pending", description = "only members with a pending restart")
    boolean pending;

    @Option(
        names = "--timeout",
        description = "fail (and let the HA fail over) when it takes longer (seconds)")
    String timeout;

    @Option(names = "--force", description = "do not ask anything")
    boolean force;

    @Override
    public Integer call() {
      JsonNode c = api().cluster();
      List<JsonNode> members = pickMembers(this, c, args, role, force, "restart", false);
      String when = scheduled;
      if (when == null && !force) {
        when =
            console()
                .prompt("When should the restart take place (e.g. " + nextHour() + ") ", "now");
      }
      OffsetDateTime at = SynodCtl.parseScheduled(when);
      Map<String, Object> content = new LinkedHashMap<>();
      if (pending) {
        content.put("restart_pending", true);
        if (at == null) {
          members.removeIf(m -> !m.path("pending_restart").asBoolean(false) && !pendingOnNode(m));
        }
      }
      if (any && !members.isEmpty()) {
        Collections.shuffle(members);
        members = new ArrayList<>(members.subList(0, 1));
      }
      if (members.isEmpty()) {
        out().println("No member needs a restart");
        return 0;
      }
      if (!force) {
        if (at != null) {
          console()
              .confirmOrAbort(
                  pending
                      ? "The nodes needing a restart will be identified at the scheduled time, and "
                          + "might be different from the ones showing pending restart right now. Is this fine?"
                      : "Are you sure you want to schedule restart of members "
                          + names(members)
                          + " at "
                          + at
                          + "?",
                  "Aborted scheduled restart");
        } else {
          console()
              .confirmOrAbort(
                  "Are you sure you want to restart members " + names(members) + "?",
                  "Aborted restart");
        }
      }
      String version = pgVersion;
      if (version == null && !force) {
        version =
            console()
                .prompt("Restart if the PostgreSQL version is less than provided (e.g. 15.9) ", "");
      }
      if (version != null && !version.isBlank()) {
        content.put("postgres_version", version.trim());
      }
      if (at != null) {
        if (c.path("pause").asBoolean(false)) {
          throw CtlException.failed("Can't schedule restart in the paused state");
        }
        content.put("schedule", at.toString());
      }
      if (timeout != null) {
        content.put("timeout", timeout);
      }
      int rc = 0;
      for (JsonNode m : members) {
        String name = m.path("name").asText();
        Api.Reply r;
        try {
          r = api().send(Api.baseOf(m), "POST", "/restart", content, Duration.ofMinutes(10));
        } catch (Api.Unreachable e) {
          out().println("Failed: restart for member " + name + ", " + e.getMessage());
          rc = CtlException.FAILED;
          continue;
        }
        if (r.status() == 200) {
          out().println("Success: restart on member " + name);
        } else if (r.status() == 202) {
          out().println("Success: restart scheduled on member " + name);
        } else if (r.status() == 409) {
          out().println("Failed: another restart is already scheduled on member " + name);
          rc = CtlException.FAILED;
        } else {
          out()
              .println(
                  "Failed: restart for member "
                      + name
                      + ", status code="
                      + r.status()
                      + ", ("
                      + r.text()
                      + ")");
          rc = CtlException.FAILED;
        }
      }
      return rc;
    }

    private boolean pendingOnNode(JsonNode m) {
      try {
        Api.Reply r = api().send(Api.baseOf(m), "GET", "/patroni", null, Duration.ofSeconds(3));
        return r.ok() && r.json().path("pending_restart").asBoolean(false);
      } catch (Api.Unreachable | CtlException e) {
        return false;
      }
    }
  }

  @Command(
      name = "reload",
      description = "Make members re-read their configuration file and reload PostgreSQL's.")
  static final class ReloadCmd extends SynodCtl.Verb {
    @Parameters(arity = "0..*", paramLabel = "[CLUSTER] [MEMBER...]")
    List<String> args = new ArrayList<>();

    @Option(
        names = {"-r", "--role"},
        defaultValue = "any",
        description = "leader, primary, replica, standby, any")
    String role;

    @Option(names = "--force", description = "do not ask anything")
    boolean force;

    @Override
    public Integer call() {
      JsonNode c = api().cluster();
      List<JsonNode> members = pickMembers(this, c, args, role, force, "reload", false);
      if (!force) {
        console()
            .confirmOrAbort(
                "Are you sure you want to reload members " + names(members) + "?",
                "Aborted reload");
      }
      int rc = 0;
      for (JsonNode m : members) {
        String name = m.path("name").asText();
        try {
          Api.Reply r = api().send(Api.baseOf(m), "POST", "/reload", null, Api.DEFAULT_TIMEOUT);
          if (r.status() == 202) {
            out()
                .println(
                    "Reload request received for member "
                        + name
                        + " and will be processed within the next HA loop");
          } else {
            out()
                .println(
                    "Failed: reload for member "
                        + name
                        + ", status code="
                        + r.status()
                        + ", ("
                        + r.text()
                        + ")");
            rc = CtlException.FAILED;
          }
        } catch (Api.Unreachable e) {
          out().println("Failed: reload for member " + name + ", " + e.getMessage());
          rc = CtlException.FAILED;
        }
      }
      return rc;
    }
  }

  @Command(
      name = "reinit",
      description = "Wipe a replica's data directory and clone it again from the cluster.")
  static final class ReinitCmd extends SynodCtl.Verb {
    @Parameters(arity = "0..*", paramLabel = "[CLUSTER] MEMBER...")
    List<String> args = new ArrayList<>();

    @Option(
        names = "--from-leader",
        description = "clone from the leader even when a member is tagged clonefrom")
    boolean fromLeader;

    @Option(names = "--wait", description = "wait until the copy is done")
    boolean waitDone;

    @Option(
        names = "--force",
        description = "do not ask anything (and cancel a running restart/reinit request)")
    boolean force;

    @Override
    public Integer call() {
      JsonNode c = api().cluster();
      List<JsonNode> members = pickMembers(this, c, args, "any", force, "reinitialize", true);
      if (!force) {
        console()
            .confirmOrAbort(
                "Are you sure you want to reinitialize members " + names(members) + "?",
                "Aborted reinitialize");
      }
      int rc = 0;
      List<JsonNode> waitOn = new ArrayList<>();
      for (JsonNode m : members) {
        String name = m.path("name").asText();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("force", force);
        body.put("from_leader", fromLeader);
        while (true) {
          Api.Reply r;
          try {
            r = api().send(Api.baseOf(m), "POST", "/reinitialize", body, Duration.ofMinutes(6));
          } catch (Api.Unreachable e) {
            out().println("Failed: reinitialize for member " + name + ", " + e.getMessage());
            rc = CtlException.FAILED;
            break;
          }
          if (r.ok()) {
            out().println("Success: reinitialize for member " + name);
            if (waitDone) {
              waitOn.add(m);
            }
            break;
          }
          out()
              .println(
                  "Failed: reinitialize for member "
                      + name
                      + ", status code="
                      + r.status()
                      + ", ("
                      + r.text()
                      + ")");
          if (r.text().endsWith(" already in progress")
              && !Boolean.TRUE.equals(body.get("force"))
              && !force
              && console().confirm("Do you want to cancel it and reinitialize anyway?")) {
            body.put("force", true);
            continue;
          }
          rc = CtlException.FAILED;
          break;
        }
      }
      if (!waitOn.isEmpty()) {
        out().println("Waiting for reinitialize to complete on: " + names(waitOn));
        long deadline = System.nanoTime() + Duration.ofMinutes(30).toNanos();
        while (!waitOn.isEmpty() && System.nanoTime() < deadline) {
          sleep(1000);
          for (JsonNode m : new ArrayList<>(waitOn)) {
            try {
              Api.Reply r =
                  api().send(Api.baseOf(m), "GET", "/patroni", null, Duration.ofSeconds(3));
              String state = r.json().path("state").asText();
              if (!state.equals("creating replica") && !state.equals("starting")) {
                out()
                    .println(
                        "Reinitialize is completed on: "
                            + m.path("name").asText()
                            + (state.equals("running") ? "" : " (state: " + state + ")"));
                if (!state.equals("running")) {
                  rc = CtlException.FAILED;
                }
                waitOn.remove(m);
              }
            } catch (Api.Unreachable | CtlException e) {
              // the node may be busy; ask again
            }
          }
        }
        if (!waitOn.isEmpty()) {
          out().println("Reinitialize did not finish within 30 minutes on: " + names(waitOn));
          rc = CtlException.FAILED;
        }
      }
      return rc;
    }
  }

  @Command(
      name = "flush",
      description =
          "Discard scheduled events: 'restart' on members, or the cluster's 'switchover'.")
  static final class FlushCmd extends SynodCtl.Verb {
    @Parameters(arity = "1..*", paramLabel = "[CLUSTER] [MEMBER...] restart|switchover")
    List<String> args = new ArrayList<>();

    @Option(
        names = {"-r", "--role"},
        defaultValue = "any")
    String role;

    @Option(names = "--force", description = "do not ask anything")
    boolean force;

    @Override
    public Integer call() {
      String target = args.get(args.size() - 1);
      List<String> rest = new ArrayList<>(args.subList(0, args.size() - 1));
      JsonNode c = api().cluster();
      if (target.equals("restart")) {
        List<JsonNode> members = pickMembers(this, c, rest, role, force, "flush", false);
        if (!force) {
          console()
              .confirmOrAbort(
                  "Are you sure you want to flush scheduled restarts of members "
                      + names(members)
                      + "?",
                  "Aborted flush");
        }
        int rc = 0;
        for (JsonNode m : members) {
          String name = m.path("name").asText();
          try {
            Api.Reply r =
                api().send(Api.baseOf(m), "DELETE", "/restart", null, Api.DEFAULT_TIMEOUT);
            if (r.ok()) {
              out().println("Success: flush scheduled restart for member " + name);
            } else if (r.status() == 404) {
              out().println("No scheduled restart on member " + name);
            } else {
              out()
                  .println(
                      "Failed: flush scheduled restart for member "
                          + name
                          + ", status code="
                          + r.status()
                          + ", ("
                          + r.text()
                          + ")");
              rc = CtlException.FAILED;
            }
          } catch (Api.Unreachable e) {
            out()
                .println(
                    "Failed: flush scheduled restart for member " + name + ", " + e.getMessage());
            rc = CtlException.FAILED;
          }
        }
        return rc;
      }
      if (target.equals("switchover")) {
        Api.Reply r =
            api()
                .sendToAny(
                    targets(this, c, null), "DELETE", "/switchover", null, Api.DEFAULT_TIMEOUT);
        if (r.ok()) {
          out().println("Success: scheduled switchover deleted");
          return 0;
        }
        out().println("Failed: " + r.text() + " (status code=" + r.status() + ")");
        return r.status() == 404 ? 0 : CtlException.FAILED;
      }
      throw new CtlException(
          CtlException.USAGE,
          "flush what? the last argument must be restart or switchover, not " + target);
    }
  }

  @Command(
      name = "remove",
      description =
          "Wipe the cluster's keys from the store (asks for the cluster and leader names).")
  static final class RemoveCmd extends SynodCtl.Verb {
    @Parameters(index = "0", paramLabel = "CLUSTER")
    String cluster;

    @Option(names = "--force", description = "skip the confirmations (for scripts and tests)")
    boolean force;

    @Override
    public Integer call() {
      JsonNode c = cluster(cluster);
      if (!force) {
        Views.printMembers(this, c, false, "pretty", false);
        String name = console().prompt("Please confirm the cluster name to remove", null);
        if (!name.equals(cluster)) {
          throw CtlException.failed("Cluster names specified do not match");
        }
        String msg = "Yes I am aware";
        String typed =
            console()
                .prompt(
                    "You are about to remove all information in the store for "
                        + cluster
                        + ", please type: \""
                        + msg
                        + "\"",
                    null);
        if (!typed.equals(msg)) {
          throw CtlException.failed("You did not exactly type \"" + msg + "\"");
        }
        String leader = SynodCtl.leader(c);
        if (leader != null) {
          String l =
              console()
                  .prompt(
                      "This cluster currently is healthy. Please specify the leader name to continue",
                      null);
          if (!l.equals(leader)) {
            throw CtlException.failed("You did not specify the current leader of the cluster");
          }
        }
      }
      Api.Reply r =
          api()
              .sendToAny(
                  targets(this, c, null),
                  "DELETE",
                  "/cluster",
                  Map.of("scope", cluster),
                  Api.DEFAULT_TIMEOUT);
      if (!r.ok()) {
        throw CtlException.failed("removing the cluster failed: " + r.status() + " " + r.text());
      }
      out().println(r.text());
      return 0;
    }
  }

  static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
