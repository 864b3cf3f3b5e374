package io.synod.engine;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Which changed settings a reload (SIGHUP, POST /reload) cannot apply to a running node, so the log
 * can say so instead of leaving the operator to guess. Pure: compares two raw YAML trees.
 */
final class ReloadDiff {
  /** Applied live by a reload (PostgreSQL parameters, pg_hba, REST access rules). */
  private static final List<String> LIVE =
      List.of(
          "postgresql.parameters",
          "postgresql.pg_hba",
          "postgresql.pg_ident",
          "postgresql.authentication",
          "postgresql.callbacks",
          "restapi.authentication",
          "restapi.allowlist",
          "restapi.allowlist_include_members",
          "bootstrap",
          "log");

  private ReloadDiff() {}

  static List<String> needRestart(Map<String, Object> before, Map<String, Object> after) {
    List<String> out = new ArrayList<>();
    diff("", before, after, out);
    return out;
  }

  private static void diff(
      String prefix, Map<String, Object> before, Map<String, Object> after, List<String> out) {
    java.util.Set<String> keys = new java.util.TreeSet<>();
    keys.addAll(before.keySet());
    keys.addAll(after.keySet());
    for (String k : keys) {
      String path = prefix.isEmpty() ? k : prefix + "." + k;
      Object a = before.get(k);
      Object b = after.get(k);
      if (Objects.equals(a, b)
          || LIVE.stream().anyMatch(l -> path.equals(l) || path.startsWith(l + "."))) {
        continue;
      }
      if (a instanceof Map<?, ?> ma && b instanceof Map<?, ?> mb && isSection(path)) {
        diff(path, cast(ma), cast(mb), out);
      } else {
        out.add(path);
      }
    }
  }

  /** Sections that mix live and restart-only keys are compared key by key. */
  private static boolean isSection(String path) {
    return path.equals("postgresql") || path.equals("restapi");
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> cast(Map<?, ?> m) {
    return (Map<String, Object>) m;
  }
}
