package io.synod.bench.drill;

import java.util.Locale;
import java.util.Map;

/** One trial of a drill as a line of text, for the drill command and the JMH runs alike. */
public final class TrialText {
  private TrialText() {}

  /** What happened in a failover or switchover trial, e.g. "(killed node1 at +420 ms, ...)". */
  public static String describe(String drill, TrialResult r) {
    Map<String, Object> x = r.extra();
    if (drill.equals("failover")) {
      StringBuilder b =
          new StringBuilder(
              String.format(
                  Locale.ROOT,
                  "(killed %s at +%s ms, %s took over",
                  x.get("killed"),
                  x.get("kill_delay_ms"),
                  x.get("new_primary")));
      if (x.get("detection_ms") != null) {
        b.append(
            String.format(
                Locale.ROOT,
                "; detection %s, race %s, promote %s, client %s",
                ms(x.get("detection_ms")),
                ms(x.get("race_ms")),
                ms(x.get("promote_ms")),
                ms(x.get("client_ms"))));
        if (x.get("pg_promotion_ms") != null) {
          b.append(
              String.format(
                  Locale.ROOT,
                  " [promote = lease+promote request %s + PostgreSQL %s]",
                  ms(x.get("lease_and_promote_request_ms")),
                  ms(x.get("pg_promotion_ms"))));
        }
        if (x.get("raft_reelection_ms") != null) {
          b.append(", incl. Raft re-election ").append(ms(x.get("raft_reelection_ms")));
        }
      }
      return b.append(")").toString();
    }
    String s =
        String.format(
            Locale.ROOT,
            "(%s -> %s; write gap %s; %s answered %s after %s ms",
            x.get("old_primary"),
            x.get("candidate"),
            ms(x.get("write_gap_ms")),
            x.get("via"),
            x.get("response_status"),
            x.get("response_ms"));
    if (x.get("request_to_stepdown_ms") != null) {
      s +=
          String.format(
              Locale.ROOT,
              "; request->step-down %s, step-down->lease taken %s, promote %s, client %s",
              ms(x.get("request_to_stepdown_ms")),
              ms(x.get("stepdown_to_take_ms")),
              ms(x.get("promote_ms")),
              ms(x.get("client_ms")));
    }
    return s + ")";
  }

  private static String ms(Object v) {
    return v instanceof Number n ? Math.round(n.doubleValue()) + " ms" : "?";
  }
}
