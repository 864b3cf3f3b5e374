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
 *     #DEFAULT_ELECTION_TIMEOUT_MS}: a dead Raft leader is noticed within 2.5x that (0.75 s) and a
 *     new one elected in about 0.6 s (median, SIGKILL on 2 cores), inside the default lease slack
 *     ttl*0.98 - 0.3 - ttl/16 = 0.89 s
 * @param snapshotIntervalSecs SOFAJRaft snapshotIntervalSecs, default {@value
 *     #DEFAULT_SNAPSHOT_INTERVAL_SECS}; 0 disables snapshots
 * @param bindAddr where the Raft server listens (Patroni's name); null = the host and port of
 *     selfAddr. Never every interface unless a wildcard is given here.
 * @param password the shared cluster secret (Patroni's key): peers authenticate each other by
 *     mutual TLS with certificates from a CA derived from it; null = not set. Never printed.
 * @param certfile this node's certificate (PEM) for mutual TLS with the operator's PKI
 * @param keyfile its private key (PEM); null = in certfile
 * @param keyfilePassword the key's password, when it is encrypted. Never printed.
 * @param cafile the CA (PEM) every peer's certificate must be signed by
 */
public record RaftConfig(
    Path dataDir,
    HostPort selfAddr,
    List<HostPort> partnerAddrs,
    int electionTimeoutMs,
    int snapshotIntervalSecs,
    HostPort bindAddr,
    String password,
    Path certfile,
    Path keyfile,
    String keyfilePassword,
    Path cafile) {
  public static final int DEFAULT_ELECTION_TIMEOUT_MS = 300;
  public static final int DEFAULT_SNAPSHOT_INTERVAL_SECS = 60;

  /** Below this, scheduling jitter on a loaded host triggers spurious elections. */
  public static final int MIN_ELECTION_TIMEOUT_MS = 100;

  public static final int MAX_ELECTION_TIMEOUT_MS = 60_000;

  /** A secret shorter than this can be guessed offline by anyone who reaches a Raft port. */
  public static final int SHORT_PASSWORD = 16;

  public RaftConfig {
    partnerAddrs = partnerAddrs == null ? List.of() : List.copyOf(partnerAddrs);
  }

  /** Without authentication: plain Raft transport. */
  public RaftConfig(
      Path dataDir,
      HostPort selfAddr,
      List<HostPort> partnerAddrs,
      int electionTimeoutMs,
      int snapshotIntervalSecs) {
    this(
        dataDir,
        selfAddr,
        partnerAddrs,
        electionTimeoutMs,
        snapshotIntervalSecs,
        null,
        null,
        null,
        null,
        null,
        null);
  }

  /** Mutual TLS with the operator's certificates (raft.certfile is set). */
  public boolean tls() {
    return certfile != null;
  }

  /** Peers must authenticate: TLS or a shared secret. */
  public boolean authenticated() {
    return tls() || password != null;
  }

  /** Where the Raft server listens: bind_addr, else self_addr. */
  public HostPort listenAddr() {
    return bindAddr != null ? bindAddr : selfAddr;
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
    HostPort bind =
        s.hostPort(
            "bind_addr",
            s.string("bind_addr", null),
            selfAddr == null ? null : selfAddr.port(),
            true);
    String password = s.string("password", null);
    if (password != null && password.isEmpty()) {
      s.error("password", "is empty; remove the key or set a long random secret");
      password = null;
    } else if (password != null && password.length() < SHORT_PASSWORD) {
      s.warn(
          "password",
          "is shorter than "
              + SHORT_PASSWORD
              + " characters: anyone who can reach a Raft port can test guesses offline; use a"
              + " long random secret (openssl rand -base64 32)");
    }
    Path certfile = path(s, "certfile");
    Path keyfile = path(s, "keyfile");
    String keyPassword = s.string("keyfile_password", null);
    Path cafile = path(s, "cafile");
    if (certfile == null) {
      for (String k : List.of("keyfile", "keyfile_password", "cafile")) {
        if (s.has(k)) {
          s.error(
              k, "set without " + s.path("certfile") + ": Raft TLS needs this node's certificate");
        }
      }
    } else {
      if (cafile == null) {
        s.error(
            "cafile",
            "required with "
                + s.path("certfile")
                + ": peers are accepted when their certificate is signed by this CA");
      }
      if (password != null) {
        s.error(
            "password",
            "set together with "
                + s.path("certfile")
                + ": choose one way for peers to authenticate (the secret, or certificates)");
      }
    }
    // pysyncobj tuning from Patroni's raft DCS; SOFAJRaft is tuned with the keys above instead.
    s.notUsed(
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
        snapshot,
        bind,
        password,
        certfile,
        keyfile,
        keyPassword,
        cafile);
  }

  private static Path path(Section s, String key) {
    String v = s.string(key, null);
    if (v == null) {
      return null;
    }
    if (v.isBlank()) {
      s.error(key, "is empty");
      return null;
    }
    return Path.of(v);
  }

  /** Secrets stay out of logs and error messages. */
  @Override
  public String toString() {
    return "RaftConfig[dataDir="
        + dataDir
        + ", selfAddr="
        + selfAddr
        + ", partnerAddrs="
        + partnerAddrs
        + ", bindAddr="
        + bindAddr
        + ", electionTimeoutMs="
        + electionTimeoutMs
        + ", snapshotIntervalSecs="
        + snapshotIntervalSecs
        + ", transport="
        + (tls() ? "tls" : password != null ? "secret" : "plain")
        + "]";
  }
}
