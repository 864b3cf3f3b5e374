package io.synod.bench.chaos;

import java.util.Arrays;
import java.util.List;

/** The faults the campaign injects; {@link #id} is the name {@code --scenario} takes. */
public enum Scenario {
  ISOLATE_PRIMARY(
      "isolate-primary", "the primary's host cut off from its peers (both ways), healed"),
  ISOLATE_RAFT_LEADER(
      "isolate-raft-leader",
      "the Raft leader's host cut off while another node is the primary: no failover expected"),
  ASYMMETRIC("asymmetric", "the primary's packets to its peers dropped, inbound still delivered"),
  FLAPPING("flapping", "bursts of packet loss (and delay with netem) on the primary's link"),
  STOP_ENGINE("stop-engine", "SIGSTOP of the primary's engine JVM for 2 x ttl, then SIGCONT"),
  STOP_GROUP(
      "stop-group", "SIGSTOP of the primary's engine process group for 2 x ttl, then SIGCONT"),
  KILL_CYCLES(
      "kill-cycles",
      "kill -9 of the primary's engine, postmaster or both in turn, at a random moment");

  public final String id;
  public final String what;

  Scenario(String id, String what) {
    this.id = id;
    this.what = what;
  }

  public static Scenario of(String id) {
    return Arrays.stream(values())
        .filter(s -> s.id.equals(id))
        .findFirst()
        .orElseThrow(
            () ->
                new IllegalArgumentException(
                    "--scenario: unknown scenario '"
                        + id
                        + "' (one of "
                        + String.join(", ", ids())
                        + ", or all)"));
  }

  public static List<String> ids() {
    return Arrays.stream(values()).map(s -> s.id).toList();
  }
}
