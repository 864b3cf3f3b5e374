package io.synod.bridges;

import io.synod.config.HostPort;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Id;

/**
 * The mirror targets configured in a node's YAML: Patroni's {@code etcd3}, {@code zookeeper} and
 * {@code consul} sections (any number of them, none by default) plus Synod's {@code bridge}
 * section. Parsing collects every problem and throws one {@link BridgeConfigException} naming each
 * field.
 *
 * @param etcd null when there is no etcd3 section
 * @param zookeeper null when there is no zookeeper section
 * @param consul null when there is no consul section
 * @param acceptRequests {@code bridge.accept_requests}: apply failover/config keys written by
 *     tooling
 * @param warnings settings accepted but not used, each naming its field
 */
public record BridgeConfig(
    EtcdSettings etcd,
    ZooKeeperSettings zookeeper,
    ConsulSettings consul,
    boolean acceptRequests,
    List<String> warnings) {

  public static final String DEFAULT_CONSUL_HOST = "127.0.0.1:8500";

  public boolean isEmpty() {
    return etcd == null && zookeeper == null && consul == null;
  }

  /**
   * @param etcd3 the raw {@code etcd3} mapping or null
   * @param zookeeper the raw {@code zookeeper} mapping or null
   * @param consul the raw {@code consul} mapping or null
   * @param bridge the raw {@code bridge} mapping or null
   * @throws BridgeConfigException listing every problem
   */
  public static BridgeConfig parse(
      Map<String, Object> etcd3,
      Map<String, Object> zookeeper,
      Map<String, Object> consul,
      Object bridge) {
    List<String> errors = new ArrayList<>();
    List<String> warnings = new ArrayList<>();
    EtcdSettings e = etcd3 == null ? null : new Reader("etcd3", etcd3, errors, warnings).etcd();
    ZooKeeperSettings z =
        zookeeper == null ? null : new Reader("zookeeper", zookeeper, errors, warnings).zookeeper();
    ConsulSettings c =
        consul == null ? null : new Reader("consul", consul, errors, warnings).consul();
    boolean accept = false;
    if (bridge != null) {
      if (bridge instanceof Map<?, ?> m) {
        @SuppressWarnings("unchecked")
        Reader r = new Reader("bridge", (Map<String, Object>) m, errors, warnings);
        accept = r.bool("accept_requests", false);
        r.finish();
      } else {
        errors.add("bridge: expected a mapping, got " + show(bridge));
      }
    }
    if (!errors.isEmpty()) {
      throw new BridgeConfigException(errors);
    }
    return new BridgeConfig(e, z, c, accept, List.copyOf(warnings));
  }

  static String show(Object v) {
    if (v == null) {
      return "null";
    }
    return v instanceof String s ? "\"" + s + "\"" : String.valueOf(v);
  }

  /** Reads one section, remembering which keys were used so the rest can be reported. */
  private static final class Reader {
    private final String section;
    private final Map<String, Object> map;
    private final List<String> errors;
    private final List<String> warnings;
    private final Set<String> seen = new LinkedHashSet<>();

    Reader(String section, Map<String, Object> map, List<String> errors, List<String> warnings) {
      this.section = section;
      this.map = map;
      this.errors = errors;
      this.warnings = warnings;
    }

    String field(String k) {
      return section + "." + k;
    }

    void error(String k, String msg) {
      errors.add((k == null ? section : field(k)) + ": " + msg);
    }

    Object raw(String k) {
      seen.add(k);
      return map.get(k);
    }

    String string(String k) {
      Object v = raw(k);
      if (v == null) {
        return null;
      }
      if (v instanceof String || v instanceof Number || v instanceof Boolean) {
        String s = v.toString().trim();
        return s.isEmpty() ? null : s;
      }
      error(k, "expected a string, got " + show(v));
      return null;
    }

    boolean bool(String k, boolean dflt) {
      Object v = raw(k);
      if (v == null) {
        return dflt;
      }
      if (v instanceof Boolean b) {
        return b;
      }
      String s = v.toString().trim().toLowerCase(Locale.ROOT);
      switch (s) {
        case "true", "yes", "on", "1" -> {
          return true;
        }
        case "false", "no", "off", "0" -> {
          return false;
        }
        default -> {
          error(k, show(v) + " is not a boolean");
          return dflt;
        }
      }
    }

    Path file(String k) {
      String s = string(k);
      return s == null ? null : Path.of(s);
    }

    /** A list of host:port, written as a YAML list or as Patroni's comma-separated string. */
    List<String> hostList(String k) {
      Object v = raw(k);
      if (v == null) {
        return null;
      }
      List<Object> items = new ArrayList<>();
      if (v instanceof List<?> l) {
        items.addAll(l);
      } else if (v instanceof String s) {
        for (String part : s.split(",")) {
          if (!part.isBlank()) {
            items.add(part.trim());
          }
        }
      } else {
        error(k, "expected a list of host:port or a comma-separated string, got " + show(v));
        return null;
      }
      if (items.isEmpty()) {
        error(k, "is empty: list at least one host:port");
        return null;
      }
      List<String> out = new ArrayList<>();
      for (Object o : items) {
        String hp = hostPort(k, o);
        if (hp != null) {
          out.add(hp);
        }
      }
      return out;
    }

    String hostPort(String k, Object o) {
      if (!(o instanceof String s)) {
        error(k, show(o) + " is not host:port");
        return null;
      }
      try {
        HostPort hp = HostPort.parse(s);
        return hp.host().contains(":")
            ? "[" + hp.host() + "]:" + hp.port()
            : hp.host() + ":" + hp.port();
      } catch (IllegalArgumentException e) {
        error(k, e.getMessage());
        return null;
      }
    }

    void unsupported(String... keys) {
      for (String k : keys) {
        if (map.containsKey(k)) {
          seen.add(k);
          error(k, "not supported by Synod's " + section + " bridge");
        }
      }
    }

    void notUsed(String... keys) {
      for (String k : keys) {
        if (map.containsKey(k)) {
          seen.add(k);
          warnings.add(
              field(k)
                  + ": accepted (Patroni setting) but not used by Synod's "
                  + section
                  + " bridge");
        }
      }
    }

    void finish() {
      for (String k : map.keySet()) {
        if (!seen.contains(k)) {
          warnings.add(field(k) + ": unknown key ignored");
        }
      }
    }

    EtcdSettings etcd() {
      String protocol = string("protocol");
      if (protocol == null) {
        protocol = "http";
      } else if (!protocol.equals("http") && !protocol.equals("https")) {
        error("protocol", show(protocol) + " is not http or https");
        protocol = "http";
      }
      List<String> endpoints = new ArrayList<>();
      List<String> hosts = hostList("hosts");
      String host = raw("host") == null ? null : hostPort("host", raw("host"));
      String url = string("url");
      if (hosts != null) {
        for (String h : hosts) {
          endpoints.add(protocol + "://" + h);
        }
      }
      if (host != null) {
        endpoints.add(protocol + "://" + host);
      }
      if (url != null) {
        String u = url.replaceAll("/+$", "");
        if (!u.matches("https?://[^/\\s]+")) {
          error("url", show(url) + " is not http(s)://host:port");
        } else {
          endpoints.add(u);
        }
      }
      if (endpoints.isEmpty() && hosts == null && url == null && raw("host") == null) {
        error(null, "one of hosts, host or url is required");
      }
      String user = string("username");
      String pass = string("password");
      if ((user == null) != (pass == null)) {
        error(
            user == null ? "username" : "password",
            "required together with " + (user == null ? "password" : "username"));
      }
      Path cacert = file("cacert");
      Path cert = file("cert");
      Path key = file("key");
      if ((cert == null) != (key == null)) {
        error(
            cert == null ? "cert" : "key",
            "required together with " + (cert == null ? "key" : "cert"));
      }
      unsupported("srv", "srv_suffix", "proxy", "use_proxies", "key_password");
      notUsed("retry_timeout", "ttl", "loop_wait");
      finish();
      return new EtcdSettings(List.copyOf(endpoints), user, pass, cacert, cert, key);
    }

    ZooKeeperSettings zookeeper() {
      List<String> hosts = hostList("hosts");
      if (hosts == null && !map.containsKey("hosts")) {
        error("hosts", "required: the ZooKeeper ensemble as a list of host:port");
      }
      if (bool("use_ssl", false)) {
        error("use_ssl", "TLS to ZooKeeper is not supported by Synod's bridge yet");
      }
      notUsed("cacert", "cert", "key", "key_password", "verify");
      List<ACL> acls = acls("set_acls");
      Map<String, String> auth = authData("auth_data");
      finish();
      return new ZooKeeperSettings(hosts == null ? List.of() : List.copyOf(hosts), acls, auth);
    }

    /**
     * Patroni's set_acls: {@code {principal: [permissions]}}, the principal "scheme:credential" or,
     * without a scheme, an x509 subject.
     */
    List<ACL> acls(String k) {
      Object v = raw(k);
      if (v == null) {
        return List.of();
      }
      if (!(v instanceof Map<?, ?> m)) {
        error(k, "expected a mapping of principal to a list of permissions, got " + show(v));
        return List.of();
      }
      List<ACL> out = new ArrayList<>();
      for (Map.Entry<?, ?> e : m.entrySet()) {
        String principal = String.valueOf(e.getKey());
        String where = k + "." + principal;
        List<?> perms =
            e.getValue() instanceof List<?> l
                ? l
                : e.getValue() instanceof String one ? List.of(one) : null;
        if (perms == null || perms.isEmpty()) {
          error(where, "expected a list of CREATE, READ, WRITE, DELETE, ADMIN or ALL");
          continue;
        }
        int bits = 0;
        for (Object p : perms) {
          String name = String.valueOf(p).trim().toUpperCase(java.util.Locale.ROOT);
          switch (name) {
            case "CREATE" -> bits |= ZooDefs.Perms.CREATE;
            case "READ" -> bits |= ZooDefs.Perms.READ;
            case "WRITE" -> bits |= ZooDefs.Perms.WRITE;
            case "DELETE" -> bits |= ZooDefs.Perms.DELETE;
            case "ADMIN" -> bits |= ZooDefs.Perms.ADMIN;
            case "ALL" -> bits |= ZooDefs.Perms.ALL;
            default ->
                error(
                    where,
                    show(p) + " is not a permission (CREATE, READ, WRITE, DELETE, ADMIN, ALL)");
          }
        }
        int colon = principal.indexOf(':');
        String scheme = colon < 0 ? "x509" : principal.substring(0, colon);
        String id = colon < 0 ? principal : principal.substring(colon + 1);
        out.add(new ACL(bits, new Id(scheme, id)));
      }
      return out;
    }

    /** Patroni's auth_data: {@code {scheme: credential}}. */
    Map<String, String> authData(String k) {
      Object v = raw(k);
      if (v == null) {
        return Map.of();
      }
      if (!(v instanceof Map<?, ?> m)) {
        error(k, "expected a mapping of scheme to credential (e.g. digest: user:password)");
        return Map.of();
      }
      Map<String, String> out = new java.util.LinkedHashMap<>();
      m.forEach((scheme, cred) -> out.put(String.valueOf(scheme), String.valueOf(cred)));
      return out;
    }

    ConsulSettings consul() {
      String scheme = string("scheme");
      if (scheme == null) {
        scheme = "http";
      } else if (!scheme.equals("http") && !scheme.equals("https")) {
        error("scheme", show(scheme) + " is not http or https");
        scheme = "http";
      }
      String base;
      String url = string("url");
      Object hostRaw = raw("host");
      String port = string("port");
      if (url != null) {
        base = url.replaceAll("/+$", "");
        if (!base.matches("https?://[^/\\s]+")) {
          error("url", show(url) + " is not http(s)://host:port");
        }
      } else {
        String host = hostRaw == null ? DEFAULT_CONSUL_HOST : String.valueOf(hostRaw);
        if (!host.contains(":") || host.startsWith("[") && !host.contains("]:")) {
          host = host + ":" + (port == null ? "8500" : port);
        }
        String hp = hostPort("host", host);
        base = scheme + "://" + (hp == null ? DEFAULT_CONSUL_HOST : hp);
      }
      String token = string("token");
      String dc = string("dc");
      boolean verify = bool("verify", true);
      Path cacert = file("cacert");
      Path cert = file("cert");
      Path key = file("key");
      if ((cert == null) != (key == null)) {
        error(
            cert == null ? "cert" : "key",
            "required together with " + (cert == null ? "key" : "cert"));
      }
      notUsed(
          "consistency",
          "checks",
          "register_service",
          "service_tags",
          "service_check_interval",
          "service_check_tls_server_name",
          "key_password");
      finish();
      return new ConsulSettings(base, token, dc, verify, cacert, cert, key);
    }
  }
}
