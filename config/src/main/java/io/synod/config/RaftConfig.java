package io.synod.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * {@code raft}: Synod's embedded SOFAJRaft group, the DCS. Key names follow Patroni's deprecated
 * {@code raft} DCS (self_addr, partner_addrs, data_dir) so existing files carry over; the timing
 * keys are SOFAJRaft's.
 *
 * @param dataDir Raft log, metadata and snapshots (required)
 * @param selfAddr this node's Raft endpoint, reachable by the partners (required)
 * @param partnerAddrs the other members' Raft endpoints; empty = single-node group
 * @param electionTimeoutMs SOFAJRaft electionTimeoutMs, default {@value
 *     #DEFAULT_ELECTION_TIMEOUT_MS}: measured 0.34-0.87 s to a new Raft leader after a SIGKILL on 2
 *     cores; 3x the default (0.9 s) fits inside the default lease slack, ttl - loop_wait - 0.3 =
 *     1.2 s
 * @param snapshotIntervalSecs SOFAJRaft snapshotIntervalSecs, default {@value
 *     #DEFAULT_SNAPSHOT_INTERVAL_SECS}; 0 disables snapshots
 */
public record RaftConfig(
    Path dataDir,
    HostPort selfAddr,
    List<HostPort> partnerAddrs,
    int electionTimeoutMs,
    int snapshotIntervalSecs) {
  public static final int DEFAULT_ELECTION_TIMEOUT_MS = 300;
  public static final int DEFAULT_SNAPSHOT_INTERVAL_SECS = 60;

  /** Below this, scheduling jitter on a loaded host triggers spurious elections. */
  public static final int MIN_ELECTION_TIMEOUT_MS = 100;

  public static final int MAX_ELECTION_TIMEOUT_MS = 60_000;

  public RaftConfig {
    partnerAddrs = partnerAddrs == null ? List.of() : List.copyOf(partnerAddrs);
  }

  /** All voting members, this node first. */
  public List<HostPort> peers() {
    List<HostPort> all = new ArrayList<>();
    all.add(selfAddr);
    all.addAll(partnerAddrs);
    return List.copyOf(all);
  }

  static RaftConfig from(Section s) {
    String dir = s.requiredString("data_dir");
    String self = s.requiredString("self_addr");
    HostPort selfAddr = s.hostPort("self_addr", self, null, false);
    List<String> partners = s.stringList("partner_addrs");
    List<HostPort> partnerAddrs = new ArrayList<>();
    Set<String> distinct = new HashSet<>();
    if (partners != null) {
      for (int i = 0; i < partners.size(); i++) {
        String key = "partner_addrs[" + i + "]";
        HostPort hp = s.hostPort(key, partners.get(i), null, false);
        if (hp == null) {
          continue;
        }
        if (hp.equals(selfAddr)) {
          // Counting ourselves twice would inflate the quorum size and could stall elections.
          s.error(key, hp + " is self_addr; list only the other members");
        } else if (!distinct.add(hp.toString())) {
          s.error(key, hp + " is listed twice");
        } else {
          partnerAddrs.add(hp);
        }
      }
    }
    int election = s.integer("election_timeout_ms", DEFAULT_ELECTION_TIMEOUT_MS);
    if (election < MIN_ELECTION_TIMEOUT_MS || election > MAX_ELECTION_TIMEOUT_MS) {
      s.error(
          "election_timeout_ms",
          election + " is out of range " + MIN_ELECTION_TIMEOUT_MS + "-" + MAX_ELECTION_TIMEOUT_MS);
    }
    int snapshot = s.integer("snapshot_interval_secs", DEFAULT_SNAPSHOT_INTERVAL_SECS);
    if (snapshot < 0) {
      s.error("snapshot_interval_secs", snapshot + " is negative (0 disables snapshots)");
    }
    // pysyncobj tuning from Patroni's raft DCS; SOFAJRaft is tuned with the keys above instead.
    s.notUsed(
        "bind_addr",
        "password",
        "min_timeout",
        "max_timeout",
        "connection_timeout",
        "append_entries_period",
        "connection_retry_time",
        "leader_fallback_timeout");
    s.finish();
    return new RaftConfig(
        dir == null || dir.isBlank() ? null : Path.of(dir),
        selfAddr,
        partnerAddrs,
        election,
        snapshot);
  }
}
