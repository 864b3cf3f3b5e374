package io.synod.engine.ctl;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The read-only verbs: list, topology, history, version, dsn (show-config is in {@link
 * ConfigVerbs}).
 */
final class Views {
  private Views() {}

  static final Set<String> FORMATS = Set.of("pretty", "tsv", "json", "yaml", "yml");

  static void checkFormat(String fmt) {
    if (!FORMATS.contains(fmt)) {
      throw new CtlException(
          CtlException.USAGE, "unknown format " + fmt + " (pretty, tsv, json, yaml)");
    }
  }

  /** Runs {@code body} once, or every {@code watch} seconds (-W: 2) until interrupted. */
  static void watching(PrintStream out, boolean w, Double watch, Runnable body) {
    double every = watch != null ? watch : w ? 2 : 0;
    if (every <= 0) {
      body.run();
      return;
    }
    while (!Thread.currentThread().isInterrupted()) {
      out.print("\033[H\033[2J");
      body.run();
      out.flush();
      try {
        Thread.sleep((long) (every * 1000));
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  @Command(
      name = "list",
      description = "List the members of the cluster, their role, state, timeline and lag.")
  static final class ListCmd extends SynodCtl.Verb {
    @Parameters(
        arity = "0..*",
        paramLabel = "CLUSTER",
        description = "cluster name (checked against the nodes' scope)")
    List<String> clusters = new ArrayList<>();

    @Option(
        names = {"-e", "--extended"},
        description = "also show pending and scheduled restarts and tags")
    boolean extended;

    @Option(
        names = {"-t", "--timestamp"},
        description = "print a timestamp first")
    boolean ts;

    @Option(
        names = {"-f", "--format"},
        defaultValue = "pretty",
        description = "pretty, tsv, json or yaml")
    String fmt;

    @Option(names = "-W", description = "refresh every 2 seconds")
    boolean w;

    @Option(
        names = {"-w", "--watch"},
        paramLabel = "SECONDS",
        description = "refresh every SECONDS")
    Double watch;

    @Override
    public Integer call() {
      checkFormat(fmt);
      watching(
          out(),
          w,
          watch,
          () -> {
            if (ts) {
              out().println(SynodCtl.timestamp());
            }
            JsonNode c = cluster(clusters.isEmpty() ? null : clusters.get(0));
            printMembers(this, c, extended, fmt, false);
          });
      return 0;
    }
  }

  @Command(
      name = "topology",
      description = "Show the cluster as a tree: the leader, then the replicas under it.")
  static final class TopologyCmd extends SynodCtl.Verb {
    @Parameters(arity = "0..*", paramLabel = "CLUSTER")
    List<String> clusters = new ArrayList<>();

    @Option(names = "-W", description = "refresh every 2 seconds")
    boolean w;

    @Option(
        names = {"-w", "--watch"},
        paramLabel = "SECONDS")
    Double watch;

    @Override
    public Integer call() {
      watching(
          out(),
          w,
          watch,
          () ->
              printMembers(
                  this,
                  cluster(clusters.isEmpty() ? null : clusters.get(0)),
                  false,
                  "pretty",
                  true));
      return 0;
    }
  }

  /** patronictl's output_members. */
  static void printMembers(
      SynodCtl.Verb v, JsonNode c, boolean extended, String fmt, boolean topology) {
    String scope = c.path("scope").asText();
    String sysid = systemIdentifier(v.api());
    List<JsonNode> members = SynodCtl.members(c);
    if (topology) {
      List<JsonNode> sorted = new ArrayList<>();
      members.stream().filter(Views::leads).forEach(sorted::add);
      members.stream().filter(m -> !leads(m)).forEach(sorted::add);
      members = sorted;
    }
    Map<String, JsonNode> details = new LinkedHashMap<>();
    if (extended) {
      for (JsonNode m : members) {
        String base = Api.baseOf(m);
        try {
          Api.Reply r =
              base == null
                  ? null
                  : v.api().send(base, "GET", "/patroni", null, Duration.ofSeconds(3));
          if (r != null && r.ok()) {
            details.put(m.path("name").asText(), r.json());
          }
        } catch (Api.Unreachable e) {
          // shown without the extra columns
        }
      }
    }
    List<String> columns =
        new ArrayList<>(List.of("Cluster", "Member", "Host", "Role", "State", "TL", "Lag in MB"));
    boolean anyPending =
        members.stream().anyMatch(m -> m.path("pending_restart").asBoolean(false))
            || details.values().stream().anyMatch(d -> d.path("pending_restart").asBoolean(false));
    boolean anyScheduled = details.values().stream().anyMatch(d -> d.has("scheduled_restart"));
    boolean anyTags = members.stream().anyMatch(m -> m.has("tags") && m.path("tags").size() > 0);
    if (extended || anyPending) {
      columns.add("Pending restart");
    }
    if (extended || anyScheduled) {
      columns.add("Scheduled restart");
    }
    if (extended || anyTags) {
      columns.add("Tags");
    }
    Set<String> hosts = new HashSet<>();
    boolean appendPort = false;
    for (JsonNode m : members) {
      if (m.has("port") && m.path("port").asInt() != 5432) {
        appendPort = true;
      }
      if (!hosts.add(m.path("host").asText())) {
        appendPort = true;
      }
    }
    List<List<Object>> rows = new ArrayList<>();
    for (JsonNode m : members) {
      String name = m.path("name").asText();
      String role = m.path("role").asText();
      String host = m.path("host").asText("");
      if (appendPort && !host.isEmpty() && m.has("port")) {
        host = host + ":" + m.path("port").asInt();
      }
      Object lag = "";
      JsonNode l = m.get("lag");
      if (l != null && l.isNumber()) {
        lag = Math.round(l.asLong() / 1024.0 / 1024.0);
      } else if (l != null && !role.equals("leader") && !role.equals("standby_leader")) {
        lag = l.asText();
      }
      List<Object> row = new ArrayList<>();
      row.add(scope);
      row.add(
          topology && !role.equals("leader") && !role.equals("standby_leader")
              ? "+ " + name
              : name);
      row.add(host);
      row.add(title(role));
      String state = m.path("state").asText("");
      row.add(m.has("progress") ? state + " (" + m.path("progress").asText() + ")" : state);
      row.add(m.has("timeline") ? (Object) m.path("timeline").asLong() : "");
      row.add(lag);
      JsonNode d = details.get(name);
      if (columns.contains("Pending restart")) {
        boolean pending =
            m.path("pending_restart").asBoolean(false)
                || (d != null && d.path("pending_restart").asBoolean(false));
        row.add(pending ? "*" : "");
      }
      if (columns.contains("Scheduled restart")) {
        JsonNode sr = d == null ? null : d.get("scheduled_restart");
        String s = sr == null ? "" : sr.path("schedule").asText();
        if (sr != null && sr.has("postgres_version")) {
          s += " if version < " + sr.path("postgres_version").asText();
        }
        row.add(s);
      }
      if (columns.contains("Tags")) {
        JsonNode tags = m.get("tags");
        if (tags == null || tags.size() == 0) {
          row.add("");
        } else if (fmt.equals("pretty")) {
          row.add(Table.yaml(Api.JSON.convertValue(tags, Map.class)).strip());
        } else {
          row.add(tags.toString());
        }
      }
      rows.add(row);
    }
    String title = " Cluster: " + scope + " (" + sysid + ") ";
    Table.print(v.out(), fmt, columns, rows, title, Set.of("TL", "Lag in MB"), 1);
    if (!fmt.equals("pretty")) {
      return;
    }
    if (c.path("pause").asBoolean(false)) {
      v.out().println(" Maintenance mode: on");
    }
    JsonNode sw = c.get("scheduled_switchover");
    if (sw != null) {
      StringBuilder b = new StringBuilder(" Switchover scheduled at: " + sw.path("at").asText());
      for (String k : List.of("from", "to")) {
        if (sw.has(k)) {
          b.append('\n').append(String.format("%24s: %s", k, sw.path(k).asText()));
        }
      }
      v.out().println(b);
    }
  }

  /**
   * The cluster's system identifier as the node that answered /cluster reports it, or
   * "uninitialized".
   */
  static String systemIdentifier(Api api) {
    String base = api.clusterBase();
    if (base == null) {
      return "uninitialized";
    }
    try {
      Api.Reply r = api.send(base, "GET", "/patroni", null, Duration.ofSeconds(3));
      if (r.ok()) {
        String id = r.json().path("database_system_identifier").asText("");
        return id.isEmpty() ? "uninitialized" : id;
      }
    } catch (Api.Unreachable | CtlException e) {
      // fall through
    }
    return "uninitialized";
  }

  /** The lock holder: a primary cluster's leader, or a standby cluster's standby leader. */
  static boolean leads(JsonNode m) {
    String r = m.path("role").asText();
    return r.equals("leader") || r.equals("standby_leader");
  }

  /** "sync_standby" → "Sync Standby". */
  static String title(String role) {
    StringBuilder b = new StringBuilder();
    for (String part : role.split("_")) {
      if (part.isEmpty()) {
        continue;
      }
      if (b.length() > 0) {
        b.append(' ');
      }
      b.append(Character.toUpperCase(part.charAt(0))).append(part.substring(1));
    }
    return b.toString();
  }

  @Command(
      name = "history",
      description = "Show the history of failovers and switchovers (timelines).")
  static final class HistoryCmd extends SynodCtl.Verb {
    @Parameters(arity = "0..1", paramLabel = "CLUSTER")
    String cluster;

    @Option(
        names = {"-f", "--format"},
        defaultValue = "pretty",
        description = "pretty, tsv, json or yaml")
    String fmt;

    @Override
    public Integer call() {
      checkFormat(fmt);
      cluster(cluster);
      Api.Reply r =
          api()
              .sendToAny(
                  List.of(api().clusterBase()), "GET", "/history", null, Api.DEFAULT_TIMEOUT);
      if (!r.ok()) {
        throw CtlException.failed("GET /history answered " + r.status() + ": " + r.text());
      }
      List<List<Object>> rows = new ArrayList<>();
      for (JsonNode h : r.json()) {
        List<Object> row = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
          JsonNode x = h.get(i);
          row.add(
              x == null || x.isNull() ? "" : x.isNumber() ? (Object) x.numberValue() : x.asText());
        }
        rows.add(row);
      }
      Table.print(
          out(),
          fmt,
          List.of("TL", "LSN", "Reason", "Timestamp", "New Leader"),
          rows,
          null,
          Set.of("TL", "LSN"),
          0);
      return 0;
    }
  }

  @Command(
      name = "version",
      description = "Show synodctl's version, and each member's Synod and PostgreSQL versions.")
  static final class VersionCmd extends SynodCtl.Verb {
    @Parameters(arity = "0..*", paramLabel = "[CLUSTER] [MEMBER...]")
    List<String> args = new ArrayList<>();

    @Override
    public Integer call() {
      out().println("synodctl version " + SynodCtl.VERSION);
      if (args.isEmpty()) {
        return 0;
      }
      JsonNode c = api().cluster();
      List<String> names = new ArrayList<>(args);
      if (!names.isEmpty()
          && names.get(0).equals(c.path("scope").asText())
          && SynodCtl.member(c, names.get(0)) == null) {
        names.remove(0);
      }
      out().println();
      int rc = 0;
      for (JsonNode m : SynodCtl.members(c)) {
        String name = m.path("name").asText();
        if (!names.isEmpty() && !names.contains(name)) {
          continue;
        }
        String base = Api.baseOf(m);
        try {
          Api.Reply r = api().send(base, "GET", "/patroni", null, Duration.ofSeconds(3));
          JsonNode p = r.json();
          out()
              .println(
                  name
                      + ": Synod "
                      + p.path("patroni").path("version").asText("?")
                      + " PostgreSQL "
                      + pgVersion(p.path("server_version").asInt(0)));
        } catch (Api.Unreachable | CtlException e) {
          out().println(name + ": failed to get version: " + e.getMessage());
          rc = CtlException.FAILED;
        }
      }
      return rc;
    }
  }

  /** 150013 → 15.13, 90624 → 9.6.24. */
  static String pgVersion(int v) {
    if (v <= 0) {
      return "unknown";
    }
    if (v >= 100000) {
      return (v / 10000) + "." + (v % 10000);
    }
    return (v / 10000) + "." + (v / 100 % 100) + "." + (v % 100);
  }

  @Command(
      name = "dsn",
      description = "Print a libpq connection string for the leader (or a member/role).")
  static final class DsnCmd extends SynodCtl.Verb {
    @Parameters(arity = "0..1", paramLabel = "CLUSTER")
    String cluster;

    @Option(
        names = {"-r", "--role"},
        description = "leader, primary, replica, standby, any")
    String role;

    @Option(
        names = {"-m", "--member"},
        description = "this member's DSN")
    String member;

    @Override
    public Integer call() {
      if (role != null && member != null) {
        throw new CtlException(
            CtlException.USAGE, "--role and --member are mutually exclusive options");
      }
      JsonNode c = cluster(cluster);
      JsonNode pick = null;
      for (JsonNode m : SynodCtl.members(c)) {
        if (member != null
            ? member.equals(m.path("name").asText())
            : SynodCtl.hasRole(m, role == null ? "leader" : role)) {
          pick = m;
          break;
        }
      }
      if (pick == null || !pick.has("host")) {
        throw CtlException.failed("Can not find a suitable member");
      }
      out()
          .println("host=" + pick.path("host").asText() + " port=" + pick.path("port").asInt(5432));
      return 0;
    }
  }
}
