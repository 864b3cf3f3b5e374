package io.synod.engine.ctl;

import io.synod.config.HostPort;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * What synodctl needs from a node's YAML (Patroni's layout, so a patronictl config works too; with
 * neither {@code -c} nor {@code PATRONICTL_CONFIG_FILE}, {@code ~/.config/patroni/patronictl.yaml}
 * is read when it exists, as patronictl does): {@code scope}, where the REST API is ({@code
 * restapi.connect_address}, else {@code listen}), and how to talk to it ({@code ctl.authentication}
 * else {@code restapi.authentication}, {@code ctl.insecure/cacert/certfile/keyfile}, else {@code
 * restapi.cafile/certfile/keyfile}). PATRONI_* variables for these keys override the file, as in
 * Patroni.
 */
final class CtlSettings {
  static final String DEFAULT_API = "http://127.0.0.1:8008";

  String scope;
  final List<String> seeds = new ArrayList<>();
  String username;
  String password;
  boolean insecure;
  String cacert;
  String certfile;
  String keyfile;
  String keyfilePassword;

  String caSettings = "ctl.cacert";

  Path source;

  /** -d raft://HOST:PORT: the cluster this Raft peer belongs to (resolved through a REST API). */
  String raftAddress;

  /** REST API port of the config file's node (restapi), used to find one next to a Raft peer. */
  Integer restPort;

  /** postgresql.authentication.superuser of the config file, when it is a node's YAML. */
  String pgUser;

  String pgPassword;

  /**
   * @param file -c/--config-file, or null (then PATRONICTL_CONFIG_FILE, then none)
   * @param apis --api URLs given on the command line (tried first)
   */
  static CtlSettings load(
      Path file, List<String> apis, boolean insecureFlag, Map<String, String> env) {
    return load(file, apis, insecureFlag, env, null);
  }

  /**
   * @param dcsUrl -d/--dcs-url: a node's REST API ({@code http(s)://host:port}, {@code host:port})
   *     or Raft address ({@code raft://host:port}); null when not given
   */
  static CtlSettings load(
      Path file, List<String> apis, boolean insecureFlag, Map<String, String> env, String dcsUrl) {
    CtlSettings s = new CtlSettings();
    Path f = file;
    if (f == null
        && env.get("PATRONICTL_CONFIG_FILE") != null
        && !env.get("PATRONICTL_CONFIG_FILE").isBlank()) {
      f = Path.of(env.get("PATRONICTL_CONFIG_FILE"));
    }
    if (f == null) {
      Path dflt = defaultConfigFile(env);
      if (dflt != null && Files.isRegularFile(dflt)) {
        f = dflt;
      }
    }
    Map<String, Object> root = Map.of();
    if (f != null) {
      if (!Files.isReadable(f)) {
        throw new CtlException(
            CtlException.USAGE,
            "Provided config file "
                + f
                + " not existing or no read rights. Check the -c/--config-file parameter (or PATRONICTL_CONFIG_FILE)");
      }
      try {
        LoaderOptions lo = new LoaderOptions();
        Object o = new Yaml(new SafeConstructor(lo)).load(Files.readString(f));
        if (o != null && !(o instanceof Map)) {
          throw new CtlException(CtlException.USAGE, f + ": not a YAML mapping");
        }
        root = o == null ? Map.of() : cast(o);
      } catch (IOException e) {
        throw new CtlException(CtlException.USAGE, f + ": cannot read: " + e.getMessage());
      } catch (RuntimeException e) {
        if (e instanceof CtlException c) {
          throw c;
        }
        throw new CtlException(CtlException.USAGE, f + ": invalid YAML: " + e.getMessage());
      }
      s.source = f;
    }
    Map<String, Object> restapi = section(root, "restapi");
    Map<String, Object> ctl = section(root, "ctl");
    s.scope = str(env.getOrDefault("PATRONI_SCOPE", str(root.get("scope"))));
    String connect =
        firstNonBlank(
            env.get("PATRONI_RESTAPI_CONNECT_ADDRESS"),
            str(restapi.get("connect_address")),
            env.get("PATRONI_RESTAPI_LISTEN"),
            str(restapi.get("listen")));
    boolean https =
        firstNonBlank(env.get("PATRONI_RESTAPI_CERTFILE"), str(restapi.get("certfile"))) != null;
    Map<String, Object> ctlAuth = section(ctl, "authentication");
    Map<String, Object> apiAuth = section(restapi, "authentication");
    s.username =
        firstNonBlank(
            env.get("PATRONI_CTL_USERNAME"),
            str(ctlAuth.get("username")),
            env.get("PATRONI_RESTAPI_USERNAME"),
            str(apiAuth.get("username")));
    s.password =
        firstNonBlank(
            env.get("PATRONI_CTL_PASSWORD"),
            str(ctlAuth.get("password")),
            env.get("PATRONI_RESTAPI_PASSWORD"),
            str(apiAuth.get("password")));
    s.insecure =
        insecureFlag
            || truthy(firstNonBlank(env.get("PATRONI_CTL_INSECURE"), str(ctl.get("insecure"))));
    s.cacert =
        firstNonBlank(
            env.get("PATRONI_CTL_CACERT"), str(ctl.get("cacert")), str(restapi.get("cafile")));
    s.certfile = firstNonBlank(env.get("PATRONI_CTL_CERTFILE"), str(ctl.get("certfile")));
    s.keyfile = firstNonBlank(env.get("PATRONI_CTL_KEYFILE"), str(ctl.get("keyfile")));
    s.keyfilePassword =
        firstNonBlank(env.get("PATRONI_CTL_KEYFILE_PASSWORD"), str(ctl.get("keyfile_password")));
    s.caSettings =
        firstNonBlank(env.get("PATRONI_CTL_CACERT"), str(ctl.get("cacert"))) != null
            ? "ctl.cacert"
            : "restapi.cafile";

    Map<String, Object> su =
        section(section(section(root, "postgresql"), "authentication"), "superuser");
    s.pgUser = firstNonBlank(env.get("PATRONI_SUPERUSER_USERNAME"), str(su.get("username")));
    s.pgPassword = firstNonBlank(env.get("PATRONI_SUPERUSER_PASSWORD"), str(su.get("password")));
    if (connect != null) {
      try {
        s.restPort = HostPort.parse(baseUrl(connect, https).replaceFirst("^[a-z]+://", "")).port();
      } catch (RuntimeException e) {
        // reported below when the address is used
      }
    }

    Set<String> seeds = new LinkedHashSet<>();
    if (dcsUrl != null && !dcsUrl.isBlank()) {
      String d = dcsUrl.trim();
      int sep = d.indexOf("://");
      String scheme = sep > 0 ? d.substring(0, sep).toLowerCase(java.util.Locale.ROOT) : "";
      switch (scheme) {
        case "raft" -> {
          String hp = d.substring(sep + 3).replaceFirst("/.*$", "");
          try {
            HostPort p = HostPort.parse(hp);
            s.raftAddress = p.host() + ":" + p.port();
          } catch (RuntimeException e) {
            throw new CtlException(
                CtlException.USAGE, "-d/--dcs-url: not a Raft address (raft://host:port): " + d);
          }
        }
        case "", "http", "https", "synod" ->
            seeds.add(baseUrl(scheme.equals("synod") ? d.substring(sep + 3) : d, https));
        default ->
            throw new CtlException(
                CtlException.USAGE,
                "-d/--dcs-url: "
                    + d
                    + ": synodctl talks to Synod nodes, by their REST API (http(s)://host:port) or"
                    + " Raft address (raft://host:port); "
                    + scheme
                    + " is at most a mirror of Synod's store");
      }
    }
    for (String a : apis == null ? List.<String>of() : apis) {
      for (String one : a.split(",")) {
        if (!one.isBlank()) {
          seeds.add(baseUrl(one.trim(), https));
        }
      }
    }
    String envApi = env.get("SYNODCTL_API");
    if (envApi != null) {
      for (String one : envApi.split(",")) {
        if (!one.isBlank()) {
          seeds.add(baseUrl(one.trim(), https));
        }
      }
    }
    if (connect != null) {
      seeds.add(baseUrl(connect, https));
    }
    if (seeds.isEmpty() && s.raftAddress == null) {
      seeds.add(DEFAULT_API);
    }
    s.seeds.addAll(seeds);
    return s;
  }

  /** patronictl's default file: $XDG_CONFIG_HOME/patroni/patronictl.yaml or ~/.config/... */
  static Path defaultConfigFile(Map<String, String> env) {
    String xdg = env.get("XDG_CONFIG_HOME");
    if (xdg != null && !xdg.isBlank()) {
      return Path.of(xdg, "patroni", "patronictl.yaml");
    }
    String home = env.getOrDefault("HOME", System.getProperty("user.home"));
    return home == null ? null : Path.of(home, ".config", "patroni", "patronictl.yaml");
  }

  /** Where -d raft://HOST:PORT may have its REST API: HOST at the file's restapi port, or 8008. */
  List<String> restCandidatesForRaft(boolean https) {
    String host = raftAddress.substring(0, raftAddress.lastIndexOf(':'));
    Set<String> out = new LinkedHashSet<>();
    if (restPort != null) {
      out.add(baseUrl(host + ":" + restPort, https));
    }
    out.add(baseUrl(host + ":8008", https));
    return List.copyOf(out);
  }

  /**
   * "host:port", "http(s)://host:port[/patroni]" → "scheme://host:port". A wildcard host means this
   * host.
   */
  static String baseUrl(String addr, boolean https) {
    String a = addr.trim();
    String scheme = https ? "https" : "http";
    int sep = a.indexOf("://");
    if (sep > 0) {
      scheme = a.substring(0, sep);
      a = a.substring(sep + 3);
    }
    int slash = a.indexOf('/');
    if (slash >= 0) {
      a = a.substring(0, slash);
    }
    if (a.startsWith(":")) {
      a = "127.0.0.1" + a;
    }
    try {
      HostPort hp = HostPort.parse(a);
      String host = hp.isWildcard() || hp.host().isEmpty() ? "127.0.0.1" : hp.host();
      if (host.contains(":") && !host.startsWith("[")) {
        host = "[" + host + "]";
      }
      return scheme + "://" + host + ":" + hp.port();
    } catch (RuntimeException e) {
      throw new CtlException(
          CtlException.USAGE, "not a REST API address (host:port or URL): " + addr);
    }
  }

  private static boolean truthy(String v) {
    return v != null
        && (v.equalsIgnoreCase("true")
            || v.equalsIgnoreCase("yes")
            || v.equalsIgnoreCase("on")
            || v.equals("1"));
  }

  private static String firstNonBlank(String... vs) {
    for (String v : vs) {
      if (v != null && !v.isBlank()) {
        return v;
      }
    }
    return null;
  }

  private static String str(Object o) {
    return o == null ? null : o.toString();
  }

  private static Map<String, Object> section(Map<String, Object> m, String key) {
    Object v = m.get(key);
    return v instanceof Map ? cast(v) : Map.of();
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> cast(Object o) {
    return (Map<String, Object>) o;
  }
}
