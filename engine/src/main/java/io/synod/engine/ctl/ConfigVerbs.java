package io.synod.engine.ctl;

import com.fasterxml.jackson.databind.JsonNode;
import io.synod.config.Maps;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * pause, resume, edit-config, show-config: the dynamic configuration through GET/PATCH/PUT /config.
 */
final class ConfigVerbs {
  private ConfigVerbs() {}

  static int togglePause(SynodCtl.Verb v, String clusterName, boolean pause, boolean wait) {
    JsonNode c = v.cluster(clusterName);
    if (c.path("pause").asBoolean(false) == pause) {
      throw CtlException.failed("Cluster is " + (pause ? "already" : "not") + " paused");
    }
    Map<String, Object> patch = new LinkedHashMap<>();
    patch.put("pause", pause ? Boolean.TRUE : null);
    Api.Reply r =
        v.api()
            .sendToAny(Actions.targets(v, c, null), "PATCH", "/config", patch, Api.DEFAULT_TIMEOUT);
    String what = pause ? "paused" : "resumed";
    if (r.status() != 200) {
      v.out()
          .println(
              "Failed: "
                  + (pause ? "pause" : "resume")
                  + " cluster management status code="
                  + r.status()
                  + ", ("
                  + r.text()
                  + ")");
      return CtlException.FAILED;
    }
    if (!wait) {
      v.out().println("Success: cluster management is " + what);
      return 0;
    }
    v.out()
        .println(
            "'"
                + (pause ? "pause" : "resume")
                + "' request sent, waiting until it is recognized by all nodes");
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    List<String> remaining = new ArrayList<>();
    while (System.nanoTime() < deadline) {
      remaining.clear();
      for (JsonNode m : SynodCtl.members(c)) {
        String base = Api.baseOf(m);
        if (base == null) {
          continue;
        }
        boolean seen;
        try {
          Api.Reply p = v.api().send(base, "GET", "/patroni", null, Duration.ofSeconds(3));
          seen = p.ok() && p.json().path("pause").asBoolean(false) == pause;
        } catch (Api.Unreachable | CtlException e) {
          seen = false;
        }
        if (!seen) {
          remaining.add(m.path("name").asText());
        }
      }
      if (remaining.isEmpty()) {
        v.out().println("Success: cluster management is " + what);
        return 0;
      }
      Actions.sleep(250);
    }
    v.out()
        .println(
            String.join(", ", remaining)
                + " members didn't recognize pause state after 30 seconds");
    return CtlException.FAILED;
  }

  @Command(
      name = "pause",
      description = "Maintenance mode: no automatic failover, PostgreSQL left alone.")
  static final class PauseCmd extends SynodCtl.Verb {
    @Parameters(arity = "0..1", paramLabel = "CLUSTER")
    String cluster;

    @Option(names = "--wait", description = "wait until every member runs paused")
    boolean waitApplied;

    @Override
    public Integer call() {
      return togglePause(this, cluster, true, waitApplied);
    }
  }

  @Command(name = "resume", description = "Leave maintenance mode: automatic failover again.")
  static final class ResumeCmd extends SynodCtl.Verb {
    @Parameters(arity = "0..1", paramLabel = "CLUSTER")
    String cluster;

    @Option(names = "--wait", description = "wait until every member runs unpaused")
    boolean waitApplied;

    @Override
    public Integer call() {
      return togglePause(this, cluster, false, waitApplied);
    }
  }

  /** GET /config: the map and its revision (ETag). */
  record Fetched(Map<String, Object> data, String etag) {}

  static Fetched fetchConfig(SynodCtl.Verb v, JsonNode c) {
    String scope = c.path("scope").asText();
    Api.Reply r =
        v.api().sendToAny(Actions.targets(v, c, null), "GET", "/config", null, Api.DEFAULT_TIMEOUT);
    if (r.status() == 502) {
      throw CtlException.failed("The config key does not exist in the cluster " + scope);
    }
    if (r.status() != 200) {
      throw CtlException.failed("GET /config answered " + r.status() + ": " + r.text());
    }
    return new Fetched(toMap(r.json()), r.header("ETag"));
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> toMap(JsonNode n) {
    return Api.JSON.convertValue(n, LinkedHashMap.class);
  }

  @Command(
      name = "show-config",
      description = "Print the dynamic configuration (the store's config key) as YAML.")
  static final class ShowConfigCmd extends SynodCtl.Verb {
    @Parameters(arity = "0..1", paramLabel = "CLUSTER")
    String cluster;

    @Override
    public Integer call() {
      out().print(Table.yaml(fetchConfig(this, cluster(cluster)).data()));
      return 0;
    }
  }

  @Command(
      name = "edit-config",
      description =
          "Change the dynamic configuration: in $EDITOR, or with -s/-p/--apply/--replace.")
  static final class EditConfigCmd extends SynodCtl.Verb {
    @Parameters(arity = "0..1", paramLabel = "CLUSTER")
    String cluster;

    @Option(
        names = {"-q", "--quiet"},
        description = "do not show the changes")
    boolean quiet;

    @Option(
        names = {"-s", "--set"},
        paramLabel = "KEY=VALUE",
        description =
            "set a value by dotted path (YAML value; null removes it), e.g. -s loop_wait=1")
    List<String> set = new ArrayList<>();

    @Option(
        names = {"-p", "--pg"},
        paramLabel = "PARAM=VALUE",
        description = "set a PostgreSQL parameter (short for -s postgresql.parameters.PARAM=VALUE)")
    List<String> pg = new ArrayList<>();

    @Option(
        names = "--apply",
        paramLabel = "FILE",
        description = "merge this YAML file in (- for stdin)")
    String apply;

    @Option(
        names = "--replace",
        paramLabel = "FILE",
        description = "replace the configuration with this YAML file (- for stdin)")
    String replace;

    @Option(names = "--force", description = "do not ask for confirmation")
    boolean force;

    @Override
    public Integer call() {
      JsonNode c = cluster(cluster);
      String scope = c.path("scope").asText();
      Fetched f = fetchConfig(this, c);
      String before = Table.yaml(f.data());
      Map<String, Object> changed = Maps.mutableCopy(f.data());
      boolean edited = false;
      if (replace != null) {
        changed = readYaml(replace);
        edited = true;
      }
      if (apply != null) {
        changed = Maps.mergePatch(changed, readYaml(apply));
        edited = true;
      }
      List<String> pairs = new ArrayList<>(set);
      pg.forEach(p -> pairs.add("postgresql.parameters." + p.strip()));
      if (!pairs.isEmpty()) {
        for (String pair : pairs) {
          int eq = pair == null ? -1 : pair.indexOf('=');
          if (eq <= 0) {
            throw new CtlException(
                CtlException.USAGE, "Invalid parameter setting " + pair + " (KEY=VALUE)");
          }
          setPath(
              changed,
              List.of(pair.substring(0, eq).strip().split("\\.")),
              parseValue(pair.substring(eq + 1)),
              List.of());
        }
        edited = true;
      }
      String after;
      if (!edited) {
        after = invokeEditor(before, scope);
        Object parsed = parseYamlText(after, "the edited configuration");
        changed =
            parsed == null ? new LinkedHashMap<>() : castMap(parsed, "the edited configuration");
      } else {
        after = Table.yaml(changed);
      }
      if (changed.equals(f.data())) {
        if (!quiet) {
          out().println("Not changed");
        }
        return 0;
      }
      if (!quiet) {
        Diff.unified(before, after).forEach(out()::println);
      }
      if (("-".equals(apply) || "-".equals(replace)) && !force) {
        out().println("Use --force option to apply changes");
        return CtlException.ABORTED;
      }
      if (!force && !console().confirm("Apply these changes?")) {
        throw new CtlException(CtlException.ABORTED, "Configuration not changed");
      }
      Map<String, String> headers = f.etag() == null ? Map.of() : Map.of("If-Match", f.etag());
      List<String> targets = Actions.targets(this, c, null);
      Api.Reply r = null;
      List<String> tried = new ArrayList<>();
      for (String base : targets) {
        try {
          r = api().send(base, "PUT", "/config", changed, Api.DEFAULT_TIMEOUT, headers);
          break;
        } catch (Api.Unreachable e) {
          tried.add(e.getMessage());
        }
      }
      if (r == null) {
        throw new CtlException(
            CtlException.UNREACHABLE,
            "no node could be reached for PUT /config (" + String.join("; ", tried) + ")");
      }
      if (r.status() == 409) {
        throw CtlException.failed("Config modification aborted due to concurrent changes");
      }
      if (r.status() != 200) {
        throw CtlException.failed(
            "the configuration was not changed: " + r.status() + " " + r.text());
      }
      out().println("Configuration changed");
      return 0;
    }

    private Map<String, Object> readYaml(String file) {
      String text;
      try {
        text =
            file.equals("-")
                ? new String(System.in.readAllBytes(), StandardCharsets.UTF_8)
                : Files.readString(Path.of(file));
      } catch (IOException e) {
        throw new CtlException(CtlException.USAGE, file + ": cannot read: " + e.getMessage());
      }
      Object o = parseYamlText(text, file);
      return o == null ? new LinkedHashMap<>() : castMap(o, file);
    }

    private String invokeEditor(String before, String scope) {
      String editor = top().env.get("EDITOR");
      if (editor == null || editor.isBlank()) {
        for (String e : List.of("editor", "vi")) {
          for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, e))) {
              editor = Path.of(dir, e).toString();
              break;
            }
          }
          if (editor != null) {
            break;
          }
        }
      }
      if (editor == null || editor.isBlank()) {
        throw new CtlException(
            CtlException.USAGE,
            "EDITOR environment variable is not set. editor or vi are not available");
      }
      try {
        Path tmp = Files.createTempFile(scope.replace('/', '_') + "-config-", ".yaml");
        try {
          Files.writeString(tmp, before);
          List<String> cmd =
              new ArrayList<>(
                  List.of("/bin/sh", "-c", editor + " \"$1\"", "editor", tmp.toString()));
          int rc = new ProcessBuilder(cmd).inheritIO().start().waitFor();
          if (rc != 0) {
            throw CtlException.failed("Editor exited with return code " + rc);
          }
          return Files.readString(tmp);
        } finally {
          Files.deleteIfExists(tmp);
        }
      } catch (IOException e) {
        throw CtlException.failed("cannot run the editor " + editor + ": " + e.getMessage());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw CtlException.failed("interrupted while the editor ran");
      }
    }
  }

  static Object parseYamlText(String text, String origin) {
    try {
      return new Yaml(new SafeConstructor(new LoaderOptions())).load(text);
    } catch (RuntimeException e) {
      throw new CtlException(CtlException.USAGE, origin + ": invalid YAML: " + e.getMessage());
    }
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> castMap(Object o, String origin) {
    if (!(o instanceof Map)) {
      throw new CtlException(CtlException.USAGE, origin + ": must be a YAML mapping");
    }
    return Maps.mutableCopy((Map<String, Object>) o);
  }

  /** A YAML scalar: 100 → 100, on → true, null → null (remove), 'x' → x. */
  static Object parseValue(String v) {
    return parseYamlText(v, "value " + v);
  }

  /**
   * patronictl's set_path_value: dotted path, except that postgresql.parameters.* keeps dots in GUC
   * names.
   */
  @SuppressWarnings("unchecked")
  static void setPath(
      Map<String, Object> config, List<String> path, Object value, List<String> prefix) {
    List<String> p = path;
    if (prefix.equals(List.of("postgresql", "parameters"))) {
      p = List.of(String.join(".", path));
    }
    String key = p.get(0);
    if (p.size() == 1) {
      if (value == null) {
        config.remove(key);
      } else {
        config.put(key, value);
      }
      return;
    }
    if (!(config.get(key) instanceof Map)) {
      config.put(key, new LinkedHashMap<String, Object>());
    }
    Map<String, Object> sub = (Map<String, Object>) config.get(key);
    List<String> np = new ArrayList<>(prefix);
    np.add(key);
    setPath(sub, p.subList(1, p.size()), value, np);
    if (sub.isEmpty()) {
      config.remove(key);
    }
  }
}
