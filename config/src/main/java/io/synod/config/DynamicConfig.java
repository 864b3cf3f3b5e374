package io.synod.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * (Over ~600 lines on purpose: one typed view of every dynamic key with its parsing, bounds and the
 * reasoning behind Synod's defaults, which belong next to each other.)
 *
 * <p>The cluster-wide ("dynamic") configuration: seeded from {@code bootstrap.dcs}, then stored in
 * the DCS {@code config} key and changed with {@code PATCH /config}. Key names and meanings are
 * Patroni's (docs/dynamic_configuration.rst); unknown keys are kept so a round trip through Synod
 * loses nothing.
 *
 * <h2>Synod's timing defaults</h2>
 *
 * <table>
 * <caption>Defaults, Synod vs Patroni</caption>
 * <tr><th>key</th><th>Synod</th><th>Patroni</th><th>Synod minimum</th></tr>
 * <tr><td>ttl</td><td>1.3 s</td><td>30 s</td><td>1 s</td></tr>
 * <tr><td>loop_wait</td><td>0.5 s</td><td>10 s</td><td>0.1 s</td></tr>
 * <tr><td>retry_timeout</td><td>0.4 s</td><td>10 s</td><td>0.2 s</td></tr>
 * <tr><td>raft.election_timeout_ms</td><td>300 ms</td><td>(pysyncobj)</td><td>100 ms</td></tr>
 * </table>
 *
 * <p>Why different: Patroni's defaults budget for a remote etcd/Consul/ZooKeeper reached over a
 * WAN-ish network, where one request can take seconds. Synod's DCS is a SOFAJRaft group embedded in
 * the Synod processes on the database hosts themselves: a write is a Raft commit over loopback or
 * the LAN (milliseconds).
 *
 * <p>Why 1.3 s (bench/RESULTS.md has the figures). A crash failover waits for the dead primary's
 * lease: the lease keeper renews every ttl/4, so at a random moment of a crash about 7/8 of a ttl
 * is left, and the race and promotion add 0.15-0.25 s. The goal is a median under 1.5 s, so ttl may
 * be at most about 1.4 s. The price of a short ttl is false failovers: a healthy primary that
 * cannot renew for ttl*0.98 less the fence's 0.3 s margin is fenced. That slack must cover (1) a
 * loaded host's scheduling delays, measured with {@code bin/synod bench flaps} (pgbench plus a CPU
 * hog per core: no unplanned leader change and no renewal with under a quarter of the lease left at
 * 1.2 s and 1.3 s), and (2) a Raft leader change, during which no write commits: with the 300 ms
 * election timeout a follower notices a dead Raft leader within 0.75 s and the vote takes
 * milliseconds (measured median 0.6 s), but about one election in ten needs a second round and
 * takes 1.1-1.6 s. At 1.3 s the slack is 0.89 s, which covers the first case and not the second;
 * 1.4 s would buy 0.1 s of slack and cost 0.09 s of failover, and covers no more of the second
 * rounds. The Raft leader is kept off the primary's node, so a crash of the primary's host never
 * needs a store election; a crash of the Raft leader's host (a replica) costs the primary its lease
 * in about one case in ten, as it would with any ttl under 2 s. Set ttl 2 if that matters more than
 * 0.6 s of failover. Times are seconds and may be fractional ({@code ttl: 2.5}, or strings such as
 * {@code "500ms"}).
 *
 * <p>The minimums sit well above a Raft commit (milliseconds), so one slow commit or GC pause
 * cannot by itself cost the leader its lock, while still allowing sub-second loops for testing.
 *
 * <h2>Safety rule</h2>
 *
 * <p>As in Patroni, {@code loop_wait + 2*retry_timeout <= ttl} is enforced. Patroni's leader renews
 * its key once per loop; if the DCS stops answering it retries for up to {@code retry_timeout} and
 * then demotes. Demote-before-promote relies on this: a cut-off leader must have stopped accepting
 * writes before its key can expire and a replica can take the lock. A loop that started just before
 * the outage (up to {@code loop_wait}) plus a failed attempt and its retries ({@code
 * 2*retry_timeout}) must still end inside {@code ttl}. Synod keeps the rule so a Patroni file means
 * the same here, although its own guarantee comes from the lease deadline and the fence (raft-store
 * package docs). With the defaults: 0.5 + 2*0.4 = 1.3 &lt;= 1.3.
 */
public final class DynamicConfig {
  public static final double DEFAULT_TTL = 1.3;
  public static final double DEFAULT_LOOP_WAIT = 0.5;
  public static final double DEFAULT_RETRY_TIMEOUT = 0.4;
  public static final double MIN_TTL = 1;
  public static final double MIN_LOOP_WAIT = 0.1;
  public static final double MIN_RETRY_TIMEOUT = 0.2;
  public static final long DEFAULT_MAXIMUM_LAG_ON_FAILOVER = 1_048_576;
  public static final long DEFAULT_MAXIMUM_LAG_ON_SYNCNODE = -1;
  public static final double DEFAULT_PRIMARY_START_TIMEOUT = 300;
  public static final double DEFAULT_PRIMARY_STOP_TIMEOUT = 0;
  public static final int DEFAULT_SYNCHRONOUS_NODE_COUNT = 1;

  /** Patroni 4.0: 30min. */
  public static final double DEFAULT_MEMBER_SLOTS_TTL = 1800;

  /** Floating-point slack for the ttl rule: 0.7 + 2*0.4 must equal 1.5. */
  private static final double EPSILON = 1e-9;

  /** postgresql keys that belong to one node: never stored in the cluster-wide config key. */
  private static final Set<String> LOCAL_ONLY_POSTGRESQL =
      Set.of(
          "connect_address",
          "proxy_address",
          "listen",
          "config_dir",
          "data_dir",
          "pgpass",
          "authentication");

  private final double ttl;
  private final double loopWait;
  private final double retryTimeout;
  private final long maximumLagOnFailover;
  private final long maximumLagOnSyncnode;
  private final double primaryStartTimeout;
  private final double primaryStopTimeout;
  private final boolean checkTimeline;
  private final SynchronousMode synchronousMode;
  private final boolean synchronousModeStrict;
  private final int synchronousNodeCount;
  private final boolean failsafeMode;
  private final boolean pause;
  private final boolean usePgRewind;
  private final boolean useSlots;
  private final Map<String, Object> parameters;
  private final List<String> pgHba;
  private final List<String> pgIdent;
  private final Map<String, Object> slots;
  private final List<Object> ignoreSlots;
  private final int maxTimelinesHistory;
  private final double memberSlotsTtl;
  private final Map<String, Object> standbyCluster;
  private final StandbyCluster standby;

  /** Top-level keys kept verbatim (known but untyped, or unknown). */
  private final Map<String, Object> otherKeys;

  /** postgresql.* keys kept verbatim. */
  private final Map<String, Object> otherPostgresql;

  private final List<String> warnings;

  private DynamicConfig(Builder b) {
    ttl = b.ttl;
    loopWait = b.loopWait;
    retryTimeout = b.retryTimeout;
    maximumLagOnFailover = b.maximumLagOnFailover;
    maximumLagOnSyncnode = b.maximumLagOnSyncnode;
    primaryStartTimeout = b.primaryStartTimeout;
    primaryStopTimeout = b.primaryStopTimeout;
    checkTimeline = b.checkTimeline;
    synchronousMode = b.synchronousMode;
    synchronousModeStrict = b.synchronousModeStrict;
    synchronousNodeCount = b.synchronousNodeCount;
    failsafeMode = b.failsafeMode;
    pause = b.pause;
    usePgRewind = b.usePgRewind;
    useSlots = b.useSlots;
    parameters = b.parameters == null ? Map.of() : b.parameters;
    pgHba = b.pgHba;
    pgIdent = b.pgIdent;
    slots = b.slots;
    ignoreSlots = b.ignoreSlots == null ? null : Maps.immutableList(b.ignoreSlots);
    maxTimelinesHistory = b.maxTimelinesHistory;
    memberSlotsTtl = b.memberSlotsTtl;
    standbyCluster = b.standbyCluster;
    standby = b.standby;
    otherKeys = Maps.immutableCopy(b.otherKeys);
    otherPostgresql = Maps.immutableCopy(b.otherPostgresql);
    warnings = List.copyOf(b.warnings);
  }

  /** Synod's defaults, as if {@code bootstrap.dcs} were empty. */
  public static DynamicConfig defaults() {
    return fromMap(Map.of(), "defaults");
  }

  /**
   * Types and validates a dynamic configuration (a {@code bootstrap.dcs} section, or the JSON of
   * the DCS {@code config} key).
   *
   * @param map the raw mapping; null means empty
   * @param origin named in every problem. When it is {@code "<file>: <dotted.path>"} (e.g. {@code
   *     "node1.yml: bootstrap.dcs"}) problems read {@code node1.yml: bootstrap.dcs.ttl: ...};
   *     otherwise {@code <origin>: ttl: ...} (e.g. {@code "dcs: config key"})
   * @throws ConfigException listing every problem found
   */
  public static DynamicConfig fromMap(Map<String, Object> map, String origin) {
    Problems problems = problemsFor(origin);
    DynamicConfig c = parse(map, problems, "");
    problems.throwIfErrors();
    return c;
  }

  private static final Pattern FILE_AND_PATH = Pattern.compile("(.*): ([A-Za-z0-9_.\\[\\]-]+)");

  static Problems problemsFor(String origin) {
    Matcher m = FILE_AND_PATH.matcher(origin == null ? "" : origin);
    if (m.matches()) {
      return new Problems(m.group(1), m.group(2), Map.of());
    }
    return new Problems(origin == null || origin.isEmpty() ? "dynamic config" : origin);
  }

  /**
   * Parses into {@code problems} (shared with the file loader) under {@code path}, e.g.
   * bootstrap.dcs.
   */
  static DynamicConfig parse(Map<String, Object> map, Problems problems, String path) {
    int warningsBefore = problems.warnings().size();
    Section s = new Section(problems, path, map == null ? Map.of() : map, "bootstrap.dcs");
    Builder b = new Builder();

    Double ttl = s.seconds("ttl");
    Double loopWait = s.seconds("loop_wait");
    Double retry = s.seconds("retry_timeout");
    b.ttl = ttl == null ? DEFAULT_TTL : ttl;
    b.loopWait = loopWait == null ? DEFAULT_LOOP_WAIT : loopWait;
    b.retryTimeout = retry == null ? DEFAULT_RETRY_TIMEOUT : retry;
    boolean timesOk =
        atLeast(s, "ttl", b.ttl, MIN_TTL)
            & atLeast(s, "loop_wait", b.loopWait, MIN_LOOP_WAIT)
            & atLeast(s, "retry_timeout", b.retryTimeout, MIN_RETRY_TIMEOUT);
    double needed = b.loopWait + 2 * b.retryTimeout;
    if (timesOk && b.ttl + EPSILON < needed) {
      s.error(
          "ttl",
          Problems.num(b.ttl)
              + " is less than loop_wait + 2*retry_timeout ("
              + Problems.num(needed)
              + ")");
    }

    Long lag = s.bytes("maximum_lag_on_failover");
    b.maximumLagOnFailover = lag == null ? DEFAULT_MAXIMUM_LAG_ON_FAILOVER : lag;
    if (b.maximumLagOnFailover < 0) {
      s.error("maximum_lag_on_failover", b.maximumLagOnFailover + " is negative");
    }
    Long syncLag = s.bytes("maximum_lag_on_syncnode");
    b.maximumLagOnSyncnode = syncLag == null ? DEFAULT_MAXIMUM_LAG_ON_SYNCNODE : syncLag;
    if (b.maximumLagOnSyncnode < -1) {
      s.error(
          "maximum_lag_on_syncnode", b.maximumLagOnSyncnode + " is less than -1 (-1 = no limit)");
    }
    b.primaryStartTimeout =
        legacy(s, "primary_start_timeout", "master_start_timeout", DEFAULT_PRIMARY_START_TIMEOUT);
    b.primaryStopTimeout =
        legacy(s, "primary_stop_timeout", "master_stop_timeout", DEFAULT_PRIMARY_STOP_TIMEOUT);
    b.checkTimeline = s.bool("check_timeline", false);

    Object sync = s.raw("synchronous_mode");
    if (sync != null) {
      b.synchronousMode = SynchronousMode.parse(sync);
      if (b.synchronousMode == null) {
        s.error("synchronous_mode", "expected off, on or quorum, got " + Section.describe(sync));
        b.synchronousMode = SynchronousMode.OFF;
      }
    }
    b.synchronousModeStrict = s.bool("synchronous_mode_strict", false);
    b.synchronousNodeCount = s.integer("synchronous_node_count", DEFAULT_SYNCHRONOUS_NODE_COUNT);
    if (b.synchronousNodeCount < 1) {
      s.error("synchronous_node_count", b.synchronousNodeCount + " is less than 1");
    }
    b.failsafeMode = s.bool("failsafe_mode", false);
    b.pause = s.bool("pause", false);
    b.maxTimelinesHistory = s.integer("max_timelines_history", 0);
    if (b.maxTimelinesHistory < 0) {
      s.error("max_timelines_history", b.maxTimelinesHistory + " is negative (0 = keep all)");
    }
    Double slotsTtl = s.seconds("member_slots_ttl");
    b.memberSlotsTtl = slotsTtl == null ? DEFAULT_MEMBER_SLOTS_TTL : slotsTtl;
    if (b.memberSlotsTtl < 0) {
      s.error("member_slots_ttl", Problems.num(b.memberSlotsTtl) + " is negative");
    }

    parsePostgresql(s, b);
    parseSlots(s, b);

    Section standby = s.opaqueSection("standby_cluster");
    b.standby = StandbyCluster.parse(standby);
    if (standby.present()) {
      b.standbyCluster = standby.map();
      b.otherKeys.put("standby_cluster", map.get("standby_cluster")); // written back as given
    }
    // Known Patroni keys Synod does not implement yet: warned about (ConfigKeys), kept verbatim.
    if (s.seconds("primary_race_backoff") != null) {
      b.otherKeys.put("primary_race_backoff", map.get("primary_race_backoff"));
    }
    for (String k : s.unseenKeys()) {
      // Kept for round trips (GET/PATCH /config must not lose what a newer Patroni tool wrote).
      b.otherKeys.put(k, map.get(k));
      s.warn(k, "unknown key kept in the dynamic configuration but not used");
    }
    b.warnings.addAll(problems.warnings().subList(warningsBefore, problems.warnings().size()));
    return new DynamicConfig(b);
  }

  private static boolean atLeast(Section s, String key, double value, double min) {
    if (value + EPSILON < min) {
      s.error(key, Problems.num(value) + " is less than the minimum " + Problems.num(min));
      return false;
    }
    return true;
  }

  /**
   * primary_* wins over the pre-3.0 master_* name when both are set, as in Patroni's global_config.
   */
  private static double legacy(Section s, String key, String oldKey, double def) {
    String use = s.has(key) || !s.has(oldKey) ? key : oldKey;
    s.raw(use.equals(key) ? oldKey : key);
    Double v = s.seconds(use);
    double out = v == null ? def : v;
    if (out < 0) {
      s.error(use, Problems.num(out) + " is negative");
    }
    return out;
  }

  private static void parsePostgresql(Section s, Builder b) {
    Section pg = s.section("postgresql");
    b.parameters = pg.mapValue("parameters");
    b.pgHba = pg.stringList("pg_hba");
    b.pgIdent = pg.stringList("pg_ident");
    Boolean rewind = pg.optionalBool("use_pg_rewind");
    Boolean slots = pg.optionalBool("use_slots");
    // Patroni reads these only under postgresql; at the top level Patroni would silently ignore
    // them.
    if (s.has("use_pg_rewind")) {
      Boolean v = s.optionalBool("use_pg_rewind");
      s.warn(
          "use_pg_rewind",
          "belongs under postgresql" + (rewind == null ? "; using it" : "; ignored"));
      rewind = rewind == null ? v : rewind;
    }
    if (s.has("use_slots")) {
      Boolean v = s.optionalBool("use_slots");
      s.warn(
          "use_slots", "belongs under postgresql" + (slots == null ? "; using it" : "; ignored"));
      slots = slots == null ? v : slots;
    }
    b.usePgRewind = rewind != null && rewind;
    b.useSlots = slots == null || slots;
    for (String where : passwordsUnder(pg.map().get("authentication"), "authentication")) {
      pg.error(
          where,
          "a password here would be stored in the cluster store, served to anyone by GET /config"
              + " and mirrored to etcd/ZooKeeper/Consul; set it in each node's file under"
              + " postgresql.authentication (or PATRONI_SUPERUSER_PASSWORD,"
              + " PATRONI_REPLICATION_PASSWORD, ...)");
    }
    for (String k : pg.unseenKeys()) {
      // Local settings are not kept: they would be stored in the store, served by GET /config and
      // mirrored. Others are kept for round trips. The warnings for both come from ConfigKeys.
      if (!LOCAL_ONLY_POSTGRESQL.contains(k)) {
        b.otherPostgresql.put(k, pg.map().get(k));
      }
      pg.accept(k);
    }
  }

  /** Dotted paths of every key under {@code v} whose name contains "password" and has a value. */
  private static List<String> passwordsUnder(Object v, String path) {
    List<String> out = new ArrayList<>();
    if (v instanceof Map<?, ?> m) {
      for (Map.Entry<?, ?> e : m.entrySet()) {
        String k = String.valueOf(e.getKey());
        String p = path + "." + k;
        if (k.toLowerCase(java.util.Locale.ROOT).contains("password") && e.getValue() != null) {
          out.add(p);
        } else {
          out.addAll(passwordsUnder(e.getValue(), p));
        }
      }
    }
    return out;
  }

  private static void parseSlots(Section s, Builder b) {
    // Older Patroni spellings of "slots" (global_config.permanent_slots).
    String key =
        s.has("slots")
            ? "slots"
            : s.has("permanent_replication_slots")
                ? "permanent_replication_slots"
                : s.has("permanent_slots") ? "permanent_slots" : "slots";
    s.raw("slots");
    s.raw("permanent_replication_slots");
    s.raw("permanent_slots");
    b.slots = s.mapValue(key);
    if (b.slots != null) {
      for (Map.Entry<String, Object> e : b.slots.entrySet()) {
        String slotPath = key + "." + e.getKey();
        Object v = e.getValue();
        if (!e.getKey().matches("[a-z0-9_]{1,63}")) {
          // PostgreSQL's own rule for slot names; Patroni skips such a slot with an error log
          s.error(slotPath, "a slot name is 1 to 63 characters of a-z, 0-9 and _");
        }
        if (v == null) {
          continue; // physical slot with defaults
        }
        if (!(v instanceof Map<?, ?> m)) {
          s.error(
              slotPath, "expected a mapping (type, database, plugin), got " + Problems.typeName(v));
          continue;
        }
        Object type = m.get("type");
        if (type != null && !"physical".equals(type) && !"logical".equals(type)) {
          s.error(
              slotPath + ".type", "expected physical or logical, got " + Section.describe(type));
        } else if ("logical".equals(type)
            && (m.get("database") == null || m.get("plugin") == null)) {
          s.error(slotPath, "a logical slot needs database and plugin");
        } else if ("logical".equals(type) && !walLevelLogical(b.parameters)) {
          // Refused rather than set: wal_level needs a restart of the primary, which a config
          // change must not do behind the DBA's back, and a slot that is never created would
          // fail silently.
          s.error(
              slotPath,
              "a logical slot needs postgresql.parameters.wal_level: logical in the dynamic"
                  + " configuration (it is "
                  + (b.parameters == null || b.parameters.get("wal_level") == null
                      ? "not set, so replica"
                      : Section.describe(b.parameters.get("wal_level")))
                  + ")");
        }
      }
    }
    List<Object> ignore = s.list("ignore_slots");
    if (ignore != null) {
      for (int i = 0; i < ignore.size(); i++) {
        if (!(ignore.get(i) instanceof Map)) {
          s.error(
              "ignore_slots[" + i + "]",
              "expected a mapping (name, type, database, plugin), got "
                  + Problems.typeName(ignore.get(i)));
        }
      }
    }
    b.ignoreSlots = ignore;
  }

  private static boolean walLevelLogical(Map<String, Object> parameters) {
    return parameters != null
        && "logical".equalsIgnoreCase(String.valueOf(parameters.get("wal_level")).trim());
  }

  // --- accessors ---

  /** Leader key time-to-live. */
  public Duration ttl() {
    return seconds(ttl);
  }

  /** Pause between HA loop iterations. */
  public Duration loopWait() {
    return seconds(loopWait);
  }

  /**
   * How long DCS and PostgreSQL operations are retried before giving up (the leader then demotes).
   */
  public Duration retryTimeout() {
    return seconds(retryTimeout);
  }

  public double ttlSeconds() {
    return ttl;
  }

  public double loopWaitSeconds() {
    return loopWait;
  }

  public double retryTimeoutSeconds() {
    return retryTimeout;
  }

  /** Bytes a replica may lag and still take part in a failover; default 1 MiB. */
  public long maximumLagOnFailover() {
    return maximumLagOnFailover;
  }

  /** Bytes a synchronous standby may lag before it is replaced; -1 = no limit. */
  public long maximumLagOnSyncnode() {
    return maximumLagOnSyncnode;
  }

  /** How long a crashed primary may take to recover before failover; default 300 s. */
  public Duration primaryStartTimeout() {
    return seconds(primaryStartTimeout);
  }

  /** How long stopping PostgreSQL may take in synchronous mode; 0 = no limit. */
  public Duration primaryStopTimeout() {
    return seconds(primaryStopTimeout);
  }

  public boolean checkTimeline() {
    return checkTimeline;
  }

  public SynchronousMode synchronousMode() {
    return synchronousMode;
  }

  public boolean synchronousModeStrict() {
    return synchronousModeStrict;
  }

  public int synchronousNodeCount() {
    return synchronousNodeCount;
  }

  public boolean failsafeMode() {
    return failsafeMode;
  }

  /** Maintenance mode: no automatic failover. */
  public boolean pause() {
    return pause;
  }

  /** {@code postgresql.use_pg_rewind}. */
  public boolean usePgRewind() {
    return usePgRewind;
  }

  /** {@code postgresql.use_slots}. */
  public boolean useSlots() {
    return useSlots;
  }

  /** {@code postgresql.parameters}: GUCs for every member; empty if none. */
  public Map<String, Object> postgresqlParameters() {
    return parameters;
  }

  /** {@code postgresql.pg_hba} lines; empty means Synod does not manage pg_hba.conf. */
  public List<String> pgHba() {
    return pgHba == null ? List.of() : pgHba;
  }

  /** {@code postgresql.pg_ident} lines; empty means not managed. */
  public List<String> pgIdent() {
    return pgIdent == null ? List.of() : pgIdent;
  }

  /**
   * Permanent replication slots: name to {type, database, plugin} (value may be null); empty if
   * none.
   */
  public Map<String, Object> slots() {
    return slots == null ? Map.of() : slots;
  }

  /** {@code ignore_slots}: mappings of name/type/database/plugin; empty if none. */
  public List<Object> ignoreSlots() {
    return ignoreSlots == null ? List.of() : ignoreSlots;
  }

  /** Timeline history entries kept in the DCS; 0 = all. */
  public int maxTimelinesHistory() {
    return maxTimelinesHistory;
  }

  /** How long slots of stopped replicas are retained; default 30 min. */
  public Duration memberSlotsTtl() {
    return seconds(memberSlotsTtl);
  }

  /** {@code standby_cluster} as written, or null. */
  public Map<String, Object> standbyCluster() {
    return standbyCluster;
  }

  /** The standby cluster this cluster is ({@code standby_cluster}); null: a primary cluster. */
  public StandbyCluster standby() {
    return standby;
  }

  /**
   * Problems that did not stop parsing (unknown keys, misplaced keys), already prefixed with the
   * origin.
   */
  public List<String> warnings() {
    return warnings;
  }

  /**
   * Patroni's JSON form, as stored in the DCS {@code config} key: every typed setting with its
   * effective value (so a Patroni-aware tool sees Synod's timings, not Patroni's defaults) plus
   * every kept key. Whole seconds are written as integers. Returns a fresh mutable map.
   */
  public Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("ttl", number(ttl));
    m.put("loop_wait", number(loopWait));
    m.put("retry_timeout", number(retryTimeout));
    m.put("maximum_lag_on_failover", maximumLagOnFailover);
    m.put("maximum_lag_on_syncnode", maximumLagOnSyncnode);
    m.put("primary_start_timeout", number(primaryStartTimeout));
    m.put("primary_stop_timeout", number(primaryStopTimeout));
    m.put("check_timeline", checkTimeline);
    m.put("synchronous_mode", synchronousMode.patroniName());
    m.put("synchronous_mode_strict", synchronousModeStrict);
    m.put("synchronous_node_count", synchronousNodeCount);
    m.put("failsafe_mode", failsafeMode);
    m.put("pause", pause);
    m.put("max_timelines_history", maxTimelinesHistory);
    m.put("member_slots_ttl", number(memberSlotsTtl));
    Map<String, Object> pg = new LinkedHashMap<>();
    pg.put("use_pg_rewind", usePgRewind);
    pg.put("use_slots", useSlots);
    if (!parameters.isEmpty()) {
      pg.put("parameters", Maps.mutableCopy(parameters));
    }
    if (pgHba != null) {
      pg.put("pg_hba", new ArrayList<>(pgHba));
    }
    if (pgIdent != null) {
      pg.put("pg_ident", new ArrayList<>(pgIdent));
    }
    pg.putAll(Maps.mutableCopy(otherPostgresql));
    m.put("postgresql", pg);
    if (slots != null) {
      m.put("slots", Maps.mutableCopy(slots));
    }
    if (ignoreSlots != null) {
      m.put("ignore_slots", Maps.mutableValue(ignoreSlots));
    }
    m.putAll(Maps.mutableCopy(otherKeys));
    return m;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof DynamicConfig d && toMap().equals(d.toMap());
  }

  @Override
  public int hashCode() {
    return toMap().hashCode();
  }

  @Override
  public String toString() {
    return "DynamicConfig" + toMap();
  }

  private static Duration seconds(double s) {
    return Duration.ofNanos(Math.round(s * 1e9));
  }

  private static Number number(double d) {
    if (d == Math.rint(d) && Math.abs(d) < Integer.MAX_VALUE) {
      return (int) d;
    }
    return d;
  }

  private static final class Builder {
    double ttl;
    double loopWait;
    double retryTimeout;
    long maximumLagOnFailover;
    long maximumLagOnSyncnode;
    double primaryStartTimeout;
    double primaryStopTimeout;
    boolean checkTimeline;
    SynchronousMode synchronousMode = SynchronousMode.OFF;
    boolean synchronousModeStrict;
    int synchronousNodeCount;
    boolean failsafeMode;
    boolean pause;
    boolean usePgRewind;
    boolean useSlots;
    Map<String, Object> parameters;
    List<String> pgHba;
    List<String> pgIdent;
    Map<String, Object> slots;
    List<Object> ignoreSlots;
    int maxTimelinesHistory;
    double memberSlotsTtl;
    Map<String, Object> standbyCluster;
    StandbyCluster standby;
    final Map<String, Object> otherKeys = new LinkedHashMap<>();
    final Map<String, Object> otherPostgresql = new LinkedHashMap<>();
    final List<String> warnings = new ArrayList<>();
  }
}
