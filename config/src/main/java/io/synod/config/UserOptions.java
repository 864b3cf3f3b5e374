package io.synod.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Patroni's option lists for initdb, pg_basebackup and pg_rewind (utils.process_user_options):
 * {@code - data-checksums} becomes {@code --data-checksums}, {@code - encoding: UTF8} becomes
 * {@code --encoding=UTF8}; a plain mapping works too. Options Synod must control itself are
 * refused.
 */
final class UserOptions {
  static final Set<String> INITDB_NOT_ALLOWED =
      Set.of("pgdata", "nosync", "pwfile", "sync-only", "version");
  static final Set<String> BASEBACKUP_NOT_ALLOWED =
      Set.of(
          "pgdata",
          "format",
          "wal-method",
          "xlog-method",
          "gzip",
          "version",
          "dbname",
          "host",
          "port",
          "username",
          "password");
  static final Set<String> REWIND_NOT_ALLOWED =
      Set.of(
          "target-pgdata",
          "source-pgdata",
          "source-server",
          "write-recovery-conf",
          "dry-run",
          "restore-target-wal",
          "config-file",
          "no-ensure-shutdown",
          "version",
          "help");

  private UserOptions() {}

  static List<String> toArgs(Section s, String key, String tool, Set<String> notAllowed) {
    Object v = s.raw(key);
    List<String> out = new ArrayList<>();
    if (v == null) {
      return List.of();
    }
    if (v instanceof Map<?, ?> m) {
      for (Map.Entry<?, ?> e : m.entrySet()) {
        option(
            s,
            key + "." + e.getKey(),
            tool,
            notAllowed,
            String.valueOf(e.getKey()),
            e.getValue(),
            out);
      }
    } else if (v instanceof List<?> list) {
      for (int i = 0; i < list.size(); i++) {
        Object item = list.get(i);
        String itemKey = key + "[" + i + "]";
        if (item instanceof String name) {
          option(s, itemKey, tool, notAllowed, name, null, out);
        } else if (item instanceof Map<?, ?> m && m.size() == 1) {
          Map.Entry<?, ?> e = m.entrySet().iterator().next();
          option(s, itemKey, tool, notAllowed, String.valueOf(e.getKey()), e.getValue(), out);
        } else {
          s.error(
              itemKey,
              "expected an option name (data-checksums) or a single-key mapping "
                  + "(encoding: UTF8), got "
                  + Problems.typeName(item));
        }
      }
    } else {
      s.error(key, "expected a list of " + tool + " options, got " + Problems.typeName(v));
    }
    return List.copyOf(out);
  }

  private static void option(
      Section s,
      String key,
      String tool,
      Set<String> notAllowed,
      String name,
      Object value,
      List<String> out) {
    String opt = name.startsWith("--") ? name.substring(2) : name;
    if (notAllowed.contains(opt)) {
      s.error(key, "option " + opt + " for " + tool + " is not allowed (Synod sets it)");
      return;
    }
    if (value == null) {
      out.add("--" + opt);
      return;
    }
    if (value instanceof Map || value instanceof List || value instanceof Boolean) {
      s.error(
          key, "value of " + opt + " must be a string or number, got " + Problems.typeName(value));
      return;
    }
    String text = value instanceof Double d ? Problems.num(d) : String.valueOf(value);
    out.add("--" + opt + "=" + unquote(text));
  }

  /** Patroni unquotes values so "\"bar baz\"" is passed as one argument, bar baz. */
  static String unquote(String v) {
    if (v.length() >= 2
        && (v.startsWith("\"") && v.endsWith("\"") || v.startsWith("'") && v.endsWith("'"))) {
      return v.substring(1, v.length() - 1);
    }
    return v;
  }
}
