package io.synod.engine.ctl;

import com.fasterxml.jackson.databind.JsonNode;
import io.synod.engine.SynodVersion;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code synodctl}: patronictl's verbs against Synod's REST API. Node addresses come from the
 * config file ({@code -c node.yml} or {@code PATRONICTL_CONFIG_FILE}: {@code
 * restapi.connect_address}) or {@code --api}; the other members are found through {@code GET
 * /cluster}.
 *
 * <p>Exit codes: 0 success; 1 the operation failed or was refused; 2 bad usage or config file; 3 no
 * node answered; 4 not confirmed (or no terminal to ask on: use --force).
 */
@Command(
    name = "synodctl",
    mixinStandardHelpOptions = true,
    versionProvider = SynodCtl.Version.class,
    description =
        "Command-line interface for Synod clusters (patronictl's verbs, over the REST API).",
    footer = {
      "",
      "Exit codes: 0 success, 1 failed or refused, 2 usage/config error, 3 no node reachable, "
          + "4 not confirmed (use --force in scripts)."
    },
    subcommands = {
      Views.ListCmd.class,
      Views.TopologyCmd.class,
      Actions.SwitchoverCmd.class,
      Actions.FailoverCmd.class,
      Actions.RestartCmd.class,
      Actions.ReloadCmd.class,
      Actions.ReinitCmd.class,
      ConfigVerbs.PauseCmd.class,
      ConfigVerbs.ResumeCmd.class,
      ConfigVerbs.EditConfigCmd.class,
      ConfigVerbs.ShowConfigCmd.class,
      StandbyVerbs.DemoteCmd.class,
      StandbyVerbs.PromoteCmd.class,
      Views.HistoryCmd.class,
      Actions.RemoveCmd.class,
      Views.VersionCmd.class,
      Views.DsnCmd.class,
      QueryCmd.class,
      Actions.FlushCmd.class,
      MembersVerbs.class
    })
public final class SynodCtl implements Callable<Integer> {
  static final String VERSION = SynodVersion.number();

  @Option(
      names = {"-c", "--config-file"},
      paramLabel = "FILE",
      description =
          "node or patronictl YAML (default: $PATRONICTL_CONFIG_FILE, else"
              + " ~/.config/patroni/patronictl.yaml); gives scope, restapi and ctl settings")
  Path configFile;

  @Option(
      names = {"-d", "--dcs-url"},
      paramLabel = "URL",
      description =
          "a node of the cluster: its REST API (http(s)://HOST:PORT or HOST:PORT) or its Raft"
              + " address (raft://HOST:PORT)")
  String dcsUrl;

  @Option(
      names = {"-k", "--insecure"},
      description = "allow HTTPS connections without verifying the server certificate")
  boolean insecure;

  @Option(
      names = "--api",
      paramLabel = "HOST:PORT|URL",
      description =
          "REST API of a node to ask first (repeatable; also $SYNODCTL_API, comma separated)")
  List<String> apis = new ArrayList<>();

  final PrintStream out;
  final PrintStream err;
  final BufferedReader in;
  final Map<String, String> env;
  private Api api;

  SynodCtl(PrintStream out, PrintStream err, InputStream in, Map<String, String> env) {
    this.out = out;
    this.err = err;
    this.in = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
    this.env = env;
  }

  public static void main(String[] args) {
    System.exit(run(args, System.out, System.err, System.in, System.getenv()));
  }

  /** Runs one command line; returns the exit code (see the class comment). */
  public static int run(
      String[] args, PrintStream out, PrintStream err, InputStream in, Map<String, String> env) {
    SynodCtl top = new SynodCtl(out, err, in, env);
    CommandLine cl = new CommandLine(top);
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    cl.setExecutionExceptionHandler(
        (ex, cmd, parsed) -> {
          out.flush();
          if (ex instanceof CtlException c) {
            err.println("Error: " + c.getMessage());
            return c.exitCode;
          }
          err.println("Error: " + ex);
          return CtlException.FAILED;
        });
    return cl.execute(args);
  }

  @Override
  public Integer call() {
    new CommandLine(this).usage(err);
    return CtlException.USAGE;
  }

  Api api() {
    if (api == null) {
      api = new Api(CtlSettings.load(configFile, apis, insecure, env, dcsUrl));
    }
    return api;
  }

  Console console() {
    return new Console(in, out);
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"synodctl version " + VERSION};
    }
  }

  /** Shared by the verbs: the parent command, output, the cluster view. */
  abstract static class Verb implements Callable<Integer> {
    @ParentCommand Object parent;

    SynodCtl top() {
      Object p = parent;
      while (!(p instanceof SynodCtl)) {
        if (p instanceof MembersVerbs m) {
          p = m.top;
        } else {
          throw new IllegalStateException("no synodctl parent");
        }
      }
      return (SynodCtl) p;
    }

    PrintStream out() {
      return top().out;
    }

    Api api() {
      return top().api();
    }

    Console console() {
      return top().console();
    }

    /** GET /cluster; when the user named a cluster, it must be the one the nodes serve. */
    JsonNode cluster(String named) {
      JsonNode c = api().cluster();
      String scope = c.path("scope").asText();
      if (named != null && !named.equals(scope)) {
        throw new CtlException(
            CtlException.USAGE,
            "the nodes at " + api().clusterBase() + " serve cluster " + scope + ", not " + named);
      }
      return c;
    }
  }

  // ------------------------------------------------------------------------------- helpers for the
  // verbs

  static List<JsonNode> members(JsonNode cluster) {
    List<JsonNode> out = new ArrayList<>();
    cluster.path("members").forEach(out::add);
    return out;
  }

  static JsonNode member(JsonNode cluster, String name) {
    for (JsonNode m : cluster.path("members")) {
      if (name.equals(m.path("name").asText())) {
        return m;
      }
    }
    return null;
  }

  static String leader(JsonNode cluster) {
    for (JsonNode m : cluster.path("members")) {
      String role = m.path("role").asText();
      if (role.equals("leader") || role.equals("standby_leader")) {
        return m.path("name").asText();
      }
    }
    return null;
  }

  /** patronictl's role filters: leader/primary, replica/standby, standby-leader, any. */
  static boolean hasRole(JsonNode m, String role) {
    String r = m.path("role").asText();
    return switch (role == null ? "any" : role) {
      case "leader" -> r.equals("leader") || r.equals("standby_leader");
      case "primary", "master" -> r.equals("leader");
      case "standby-leader" -> r.equals("standby_leader");
      case "replica", "standby" ->
          !r.equals("leader") && !r.equals("standby_leader") && !r.equals("witness");
      case "witness" -> r.equals("witness");
      default -> true;
    };
  }

  /** A member /cluster lists as a witness: a Raft voter without a database. */
  static boolean isWitness(JsonNode m) {
    return "witness".equals(m.path("role").asText());
  }

  static String timestamp() {
    return LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss"));
  }

  /** patronictl's parse_scheduled: null or "now" means now; no zone means the local one. */
  static OffsetDateTime parseScheduled(String text) {
    if (text == null || text.isBlank() || text.trim().equalsIgnoreCase("now")) {
      return null;
    }
    String t = text.trim().replace(' ', 'T');
    try {
      return OffsetDateTime.parse(t);
    } catch (DateTimeParseException e) {
      try {
        return LocalDateTime.parse(t).atZone(ZoneId.systemDefault()).toOffsetDateTime();
      } catch (DateTimeParseException e2) {
        throw new CtlException(
            CtlException.USAGE,
            "Unable to parse scheduled timestamp ("
                + text
                + "). It should be in an unambiguous format (e.g. ISO 8601: 2030-01-31T12:00+00:00)");
      }
    }
  }
}
