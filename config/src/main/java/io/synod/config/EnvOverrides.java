package io.synod.config;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Turns {@code PATRONI_*} environment variables into an override tree, following Patroni's {@code
 * Config._build_environment_configuration} (docs/ENVIRONMENT.rst), plus Synod's own raft settings.
 * Also records which dotted path each variable set, so a bad value is reported under the variable's
 * name.
 *
 * <p>Values stay strings where the typed layer can parse strings (booleans, numbers); lists and
 * mappings are parsed as YAML here, as Patroni does. Empty variables are ignored (Patroni: {@code
 * if value:}).
 */
final class EnvOverrides {
  static final String PREFIX = "PATRONI_";
  static final String CONFIGURATION = "PATRONI_CONFIGURATION";

  static final List<String> RESTAPI_PARAMS =
      List.of(
          "listen",
          "connect_address",
          "certfile",
          "keyfile",
          "keyfile_password",
          "cafile",
          "ciphers",
          "verify_client",
          "http_extra_headers",
          "https_extra_headers",
          "allowlist",
          "allowlist_include_members",
          "request_queue_size",
          "server_tokens",
          "thread_pool_size");
  static final List<String> CTL_PARAMS =
      List.of("insecure", "cacert", "certfile", "keyfile", "keyfile_password");
  static final List<String> POSTGRESQL_PARAMS =
      List.of(
          "listen",
          "connect_address",
          "proxy_address",
          "config_dir",
          "data_dir",
          "pgpass",
          "bin_dir");
  static final List<String> LOG_PARAMS =
      List.of(
          "type",
          "level",
          "traceback_level",
          "format",
          "dateformat",
          "static_fields",
          "max_queue_size",
          "dir",
          "mode",
          "file_size",
          "file_num",
          "loggers",
          "deduplicate_heartbeat_logs");

  /** Patroni's pysyncobj raft keys, then Synod's SOFAJRaft ones. */
  static final List<String> RAFT_PARAMS =
      List.of(
          "data_dir",
          "self_addr",
          "partner_addrs",
          "password",
          "bind_addr",
          "min_timeout",
          "max_timeout",
          "connection_timeout",
          "append_entries_period",
          "connection_retry_time",
          "leader_fallback_timeout",
          "election_timeout_ms",
          "snapshot_interval_secs",
          "certfile",
          "keyfile",
          "keyfile_password",
          "cafile");

  static final List<String> BINARIES =
      List.of(
          "pg_ctl",
          "initdb",
          "pg_controldata",
          "pg_basebackup",
          "postgres",
          "pg_isready",
          "pg_rewind");

  /** libpq connection parameters Patroni allows per user (config.py _AUTH_ALLOWED_PARAMETERS). */
  static final List<String> AUTH_PARAMS =
      List.of(
          "username",
          "password",
          "sslmode",
          "sslcert",
          "sslkey",
          "sslpassword",
          "sslrootcert",
          "sslcrl",
          "sslcrldir",
          "gssencmode",
          "channel_binding",
          "sslnegotiation");

  /**
   * Suffixes of the generic PATRONI_&lt;DCS&gt;_&lt;SUFFIX&gt; rule, and how each value is parsed.
   */
  private static final Set<String> DCS_SUFFIXES =
      Set.of(
          "HOST",
          "HOSTS",
          "PORT",
          "USE_PROXIES",
          "PROTOCOL",
          "SCHEME",
          "SRV",
          "SRV_SUFFIX",
          "URL",
          "PROXY",
          "CACERT",
          "CERT",
          "KEY",
          "VERIFY",
          "TOKEN",
          "CHECKS",
          "DC",
          "CONSISTENCY",
          "REGISTER_SERVICE",
          "SERVICE_CHECK_INTERVAL",
          "SERVICE_CHECK_TLS_SERVER_NAME",
          "SERVICE_TAGS",
          "NAMESPACE",
          "CONTEXT",
          "USE_ENDPOINTS",
          "SCOPE_LABEL",
          "ROLE_LABEL",
          "POD_IP",
          "PORTS",
          "LABELS",
          "BYPASS_API_SERVICE",
          "RETRIABLE_HTTP_CODES",
          "KEY_PASSWORD",
          "USE_SSL",
          "SET_ACLS",
          "GROUP",
          "DATABASE",
          "LEADER_LABEL_VALUE",
          "FOLLOWER_LABEL_VALUE",
          "STANDBY_LEADER_LABEL_VALUE",
          "TMP_ROLE_LABEL",
          "AUTH_DATA",
          "BOOTSTRAP_LABELS");

  private static final Set<String> DCS_LISTS =
      Set.of("HOSTS", "PORTS", "CHECKS", "SERVICE_TAGS", "RETRIABLE_HTTP_CODES");
  private static final Set<String> DCS_DICTS =
      Set.of("LABELS", "SET_ACLS", "AUTH_DATA", "BOOTSTRAP_LABELS");
  private static final Set<String> DCS_BOOLS =
      Set.of(
          "USE_PROXIES",
          "REGISTER_SERVICE",
          "USE_ENDPOINTS",
          "BYPASS_API_SERVICE",
          "VERIFY",
          "USE_SSL");

  final Map<String, Object> tree = new LinkedHashMap<>();

  /** dotted path -> variable that set it. */
  final Map<String, String> sources = new LinkedHashMap<>();

  private final Map<String, String> env;
  private final Set<String> consumed = new HashSet<>();
  private final Problems problems;

  private EnvOverrides(Map<String, String> env, Problems problems) {
    this.env = env;
    this.problems = problems;
  }

  /**
   * Errors (unparsable lists/mappings) and warnings (unrecognised variables) go to {@code
   * problems}.
   */
  static EnvOverrides build(Map<String, String> env, Problems problems) {
    EnvOverrides o = new EnvOverrides(env, problems);
    o.run();
    return o;
  }

  /**
   * Warn about PATRONI_* variables that PATRONI_CONFIGURATION makes irrelevant (Patroni ignores
   * them too).
   */
  static void warnIgnoredBecauseOfConfiguration(Map<String, String> env, Problems problems) {
    new TreeMap<>(env)
        .forEach(
            (k, v) -> {
              if (k.startsWith(PREFIX) && !k.equals(CONFIGURATION) && v != null && !v.isEmpty()) {
                problems.warnLine(k + ": ignored because PATRONI_CONFIGURATION is set");
              }
            });
  }

  private void run() {
    consumed.add(CONFIGURATION);
    for (String p :
        List.of("name", "namespace", "scope", "thread_pool_size", "thread_stack_size")) {
      String v = pop(p);
      if (v != null) {
        set(v, p.toUpperCase(Locale.ROOT), p);
      }
    }
    // Old names for log settings; the new name wins when both are set.
    oldLogName("level", "LOGLEVEL");
    oldLogName("format", "LOGFORMAT");
    oldLogName("dateformat", "LOG_DATEFMT");

    section("restapi", RESTAPI_PARAMS);
    section("ctl", CTL_PARAMS);
    section("postgresql", POSTGRESQL_PARAMS);
    section("log", LOG_PARAMS);
    section("raft", RAFT_PARAMS);
    for (String binary : BINARIES) {
      String var = "POSTGRESQL_BIN_" + binary.toUpperCase(Locale.ROOT);
      String v = pop(var);
      if (v != null) {
        set(v, var, "postgresql", "bin_name", binary);
      }
    }
    for (String section : List.of("restapi", "ctl")) {
      auth(section, List.of("username", "password"), section, "authentication");
    }
    for (String user : List.of("replication", "superuser", "rewind")) {
      auth(user, AUTH_PARAMS, "postgresql", "authentication", user);
    }
    for (String dcs : List.of("etcd", "etcd3")) {
      auth(dcs, List.of("username", "password"), dcs);
    }
    genericDcs();
    new TreeMap<>(env)
        .forEach(
            (k, v) -> {
              if (k.startsWith(PREFIX) && !consumed.contains(k) && v != null && !v.isEmpty()) {
                problems.warnLine(k + ": not a Patroni or Synod variable; ignored");
              }
            });
  }

  private void oldLogName(String param, String oldName) {
    String v = pop(oldName);
    String newVar = PREFIX + "LOG_" + param.toUpperCase(Locale.ROOT);
    String newValue = env.get(newVar);
    if (v != null && (newValue == null || newValue.isEmpty())) {
      set(v, oldName, "log", param);
    }
  }

  private void section(String section, List<String> params) {
    for (String param : params) {
      String var = (section + "_" + param).toUpperCase(Locale.ROOT);
      String v = pop(var);
      if (v == null) {
        continue;
      }
      String key = section + "." + param;
      Object value =
          switch (key) {
            case "raft.partner_addrs", "restapi.allowlist" -> parseList(var, v);
            case "restapi.http_extra_headers",
                "restapi.https_extra_headers",
                "log.static_fields",
                "log.loggers" ->
                parseDict(var, v);
            default -> v;
          };
      if (value != null) {
        set(value, var, section, param);
      }
    }
  }

  private void auth(String varSection, List<String> params, String... target) {
    for (String param : params) {
      String var = (varSection + "_" + param).toUpperCase(Locale.ROOT);
      String v = pop(var);
      if (v != null) {
        String[] path = new String[target.length + 1];
        System.arraycopy(target, 0, path, 0, target.length);
        path[target.length] = param;
        set(v, var, path);
      }
    }
  }

  /** PATRONI_(ETCD3|CONSUL|ZOOKEEPER|KUBERNETES|...)_(HOSTS|PORT|...) -> section.suffix. */
  private void genericDcs() {
    for (Map.Entry<String, String> e : new TreeMap<>(env).entrySet()) {
      String var = e.getKey();
      if (!var.startsWith(PREFIX) || consumed.contains(var)) {
        continue;
      }
      String rest = var.substring(PREFIX.length());
      int us = rest.indexOf('_');
      if (us <= 0) {
        continue;
      }
      String name = rest.substring(0, us);
      String suffix = rest.substring(us + 1);
      if (!DCS_SUFFIXES.contains(suffix)) {
        continue;
      }
      String shortVar = rest;
      String v = pop(shortVar);
      if (v == null) {
        continue;
      }
      Object value;
      if (name.equals("CITUS") && !suffix.equals("GROUP") && !suffix.equals("DATABASE")) {
        continue;
      } else if (suffix.equals("PORT") || (name.equals("CITUS") && suffix.equals("GROUP"))) {
        value = Section.parseLong(v);
        if (value == null) {
          problems.errorLine(var + ": expected an integer, got " + Problems.show(v));
          continue;
        }
      } else if (DCS_LISTS.contains(suffix)) {
        value = parseList(shortVar, v);
      } else if (DCS_DICTS.contains(suffix)) {
        value = parseDict(shortVar, v);
      } else if (DCS_BOOLS.contains(suffix)) {
        value = Section.parseBool(v);
        if (value == null) {
          problems.errorLine(var + ": expected a boolean, got " + Problems.show(v));
          continue;
        }
      } else {
        value = v;
      }
      if (value != null) {
        set(value, shortVar, name.toLowerCase(Locale.ROOT), suffix.toLowerCase(Locale.ROOT));
      }
    }
  }

  /** Patroni's _parse_list: "a:1,b:2" and "[a:1, b:2]" and "- a:1" are all YAML lists. */
  private List<?> parseList(String shortVar, String value) {
    String text = value.strip().startsWith("-") || value.contains("[") ? value : "[" + value + "]";
    try {
      Object parsed = YamlText.parse(text, PREFIX + shortVar);
      if (parsed instanceof List<?> l) {
        return l;
      }
      problems.errorLine(PREFIX + shortVar + ": expected a list, got " + Problems.show(value));
    } catch (YamlText.SyntaxError e) {
      problems.errorLine(e.getMessage());
    }
    return null;
  }

  /** Patroni's _parse_dict: "{a: 1}" or "a: 1, b: 2". */
  private Map<?, ?> parseDict(String shortVar, String value) {
    String text = value.strip().startsWith("{") ? value : "{" + value + "}";
    try {
      Object parsed = YamlText.parse(text, PREFIX + shortVar);
      if (parsed instanceof Map<?, ?> m) {
        return m;
      }
      problems.errorLine(PREFIX + shortVar + ": expected a mapping, got " + Problems.show(value));
    } catch (YamlText.SyntaxError e) {
      problems.errorLine(e.getMessage());
    }
    return null;
  }

  /** Reads PATRONI_&lt;name&gt;; marks it consumed; empty counts as unset. */
  private String pop(String name) {
    String var = PREFIX + name.toUpperCase(Locale.ROOT);
    if (!env.containsKey(var)) {
      return null;
    }
    consumed.add(var);
    String v = env.get(var);
    return v == null || v.isEmpty() ? null : v;
  }

  @SuppressWarnings("unchecked")
  private void set(Object value, String shortVar, String... path) {
    Map<String, Object> m = tree;
    for (int i = 0; i < path.length - 1; i++) {
      m =
          (Map<String, Object>)
              m.computeIfAbsent(path[i], k -> new LinkedHashMap<String, Object>());
    }
    m.put(path[path.length - 1], value);
    sources.put(String.join(".", path), PREFIX + shortVar.toUpperCase(Locale.ROOT));
  }
}
