package io.synod.bench.chaos;

import java.util.List;

/**
 * One round of one scenario, as measured. Times are ms from the fault ({@code stopMs}, {@code
 * newFirstMs}) or from the heal ({@code convergeMs}); null when it did not happen.
 *
 * @param stopMs the old primary's last acknowledged write on its timeline after the fault (0: none
 *     after it; null: it never stopped, e.g. no failover was due)
 * @param newFirstMs the first write after the fault by another node, or by the old primary on a
 *     later timeline (promoted again)
 * @param maxGapMs the longest time without any acknowledged write, fault to end of round
 * @param failovers new timelines written on during the round
 * @param raftTerms Raft term increase over the round (elections, including failed ones)
 * @param lost acknowledged writes of the round missing after convergence (-1: not checked)
 * @param writers per node and timeline, from 2 s before the fault to the end of the round
 */
public record Round(
    String scenario,
    int round,
    String fault,
    String oldPrimary,
    String newPrimary,
    Double stopMs,
    Double newFirstMs,
    Double convergeMs,
    double maxGapMs,
    int failovers,
    String raftBefore,
    String raftAfter,
    long raftTerms,
    List<Overlap.Window> overlaps,
    int acked,
    int lost,
    int uncertain,
    List<Writer> writers,
    String note) {
  /**
   * Who acknowledged writes on which timeline during the round, ms from the fault (negative: before
   * it): enough to redraw the round's history without the prober's full record.
   */
  public record Writer(String node, int timeline, double firstMs, double lastMs, int writes) {}
}
