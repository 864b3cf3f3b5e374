package io.synod.engine.postgres;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Where a member's data comes from when its data directory is empty, as Patroni's
 * replica_bootstrap.rst: the cluster's first member runs {@code bootstrap.method} (initdb, or a
 * custom command that restores a backup), a new replica tries {@code create_replica_methods} in
 * order (basebackup, or custom commands).
 *
 * @param bootstrapMethod {@code initdb} or the name of the custom method
 * @param bootstrap the custom method's section (command, no_params, keep_existing_recovery_conf,
 *     recovery_conf, other keys); null for initdb
 * @param replicaMethods create_replica_methods in order (default [basebackup])
 * @param replica each custom replica method's section (command, no_params, no_leader, keep_data,
 *     other keys)
 */
public record DataMethods(
    String bootstrapMethod,
    Map<String, Object> bootstrap,
    List<String> replicaMethods,
    Map<String, Map<String, Object>> replica) {
  public static final String INITDB = "initdb";
  public static final String BASEBACKUP = "basebackup";

  /** Keys of a custom bootstrap method that are not passed to its command (Patroni's list). */
  static final Set<String> BOOTSTRAP_RESERVED =
      Set.of(
          "command",
          "no_params",
          "keep_existing_recovery_conf",
          "recovery_conf",
          "scope",
          "datadir");

  public DataMethods {
    bootstrapMethod = bootstrapMethod == null ? INITDB : bootstrapMethod;
    bootstrap =
        bootstrap == null ? null : Collections.unmodifiableMap(new LinkedHashMap<>(bootstrap));
    replicaMethods =
        replicaMethods == null || replicaMethods.isEmpty()
            ? List.of(BASEBACKUP)
            : List.copyOf(replicaMethods);
    Map<String, Map<String, Object>> r = new LinkedHashMap<>();
    if (replica != null) {
      replica.forEach((k, v) -> r.put(k, Collections.unmodifiableMap(new LinkedHashMap<>(v))));
    }
    replica = Collections.unmodifiableMap(r);
  }

  public static DataMethods defaults() {
    return new DataMethods(INITDB, null, List.of(BASEBACKUP), Map.of());
  }

  /**
   * A replica method usable with no leader to copy from (Patroni's no_leader, formerly no_master):
   * a custom command that restores from a backup repository, never basebackup.
   */
  public boolean worksWithoutLeader(String method) {
    Map<String, Object> section = replica.get(method);
    return !BASEBACKUP.equals(method)
        && section != null
        && (truthy(section.get("no_leader")) || truthy(section.get("no_master")));
  }

  /** Some replica method works without a leader ({@link #worksWithoutLeader}). */
  public boolean anyWorksWithoutLeader() {
    return replicaMethods.stream().anyMatch(this::worksWithoutLeader);
  }

  public boolean customBootstrap() {
    return !INITDB.equals(bootstrapMethod) && bootstrap != null;
  }

  /**
   * The custom bootstrap command's arguments after its own words, as Patroni passes them: {@code
   * --scope=SCOPE --datadir=PGDATA} unless no_params, then every other key as {@code --key=value}.
   */
  static List<String> bootstrapArgs(Map<String, Object> section, String scope, String dataDir) {
    List<String> out = new ArrayList<>();
    if (!truthy(section.get("no_params"))) {
      out.add("--scope=" + scope);
      out.add("--datadir=" + dataDir);
    }
    section.forEach(
        (k, v) -> {
          if (!BOOTSTRAP_RESERVED.contains(k)) {
            out.add("--" + k + "=" + pyStr(v));
          }
        });
    return out;
  }

  /**
   * A custom replica method's arguments, as Patroni passes them: every key but command as {@code
   * --key=value}, then (unless no_params) {@code --scope --role=replica --datadir --connstring}.
   * With no_params, no_params/no_leader/keep_data are not passed either.
   */
  static List<String> replicaArgs(
      Map<String, Object> section, String scope, String dataDir, String connstring) {
    Map<String, Object> m = new LinkedHashMap<>(section);
    m.remove("command");
    if (!truthy(m.get("no_params"))) {
      m.put("scope", scope);
      m.put("role", "replica");
      m.put("datadir", dataDir);
      m.put("connstring", connstring);
    } else {
      m.remove("no_params");
      m.remove("no_leader");
      m.remove("no_master");
      m.remove("keep_data");
    }
    List<String> out = new ArrayList<>();
    m.forEach((k, v) -> out.add("--" + k + "=" + pyStr(v)));
    return out;
  }

  static boolean truthy(Object v) {
    if (v instanceof Boolean b) {
      return b;
    }
    if (v == null) {
      return false;
    }
    String s = String.valueOf(v).trim().toLowerCase(java.util.Locale.ROOT);
    return s.equals("true") || s.equals("on") || s.equals("yes") || s.equals("1");
  }

  /** A value as Python's str() writes it (Patroni formats the arguments so): True, None, 1.5. */
  static String pyStr(Object v) {
    if (v == null) {
      return "None";
    }
    if (v instanceof Boolean b) {
      return b ? "True" : "False";
    }
    return String.valueOf(v);
  }
}
