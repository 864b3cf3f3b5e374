package io.synod.engine.cli;

import io.synod.config.ConfigException;
import io.synod.config.ConfigLoader;
import io.synod.config.SynodConfig;
import io.synod.engine.SynodNode;
import io.synod.engine.SynodVersion;
import io.synod.engine.ctl.Readiness;
import io.synod.engine.log.LogSetup;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The {@code synod} entry point: run one node from its YAML, check or generate a YAML as Patroni's
 * {@code --validate-config}, {@code --generate-sample-config} and {@code --generate-config} do,
 * wait for a node to be ready (the systemd unit), or run a local three-node demo.
 */
@Command(
    name = "synod",
    mixinStandardHelpOptions = true,
    versionProvider = SynodMain.Version.class,
    description = "PostgreSQL high availability on an embedded Raft group.",
    subcommands = {SynodMain.Run.class, SynodMain.WaitReady.class, Demo.class, ClassArchive.class})
public final class SynodMain implements Callable<Integer> {
  /** {@code synod --version}: the build's version. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"synod " + SynodVersion.number()};
    }
  }

  @Parameters(
      index = "0",
      arity = "0..1",
      paramLabel = "NODE_YML",
      description =
          "run one node from this config file (same as 'synod run'); with --validate-config the"
              + " file to check, with --generate-*-config the file to write (default stdout)")
  Path config;

  @Option(
      names = "--validate-config",
      description = "check NODE_YML (and the PATRONI_* variables) and exit: 0 valid, 1 problems")
  boolean validate;

  @Option(
      names = "--generate-sample-config",
      description = "write a sample config (PATRONI_* variables fill it in; #FIXME marks the rest)")
  boolean generateSample;

  @Option(
      names = "--generate-config",
      description = "write a config taken from a running PostgreSQL (see --dsn)")
  boolean generate;

  @Option(
      names = "--dsn",
      paramLabel = "DSN",
      description =
          "with --generate-config: libpq connection string of the running PostgreSQL"
              + " (\"host=127.0.0.1 port=5432 user=postgres\"; PGHOST, PGPORT, PGUSER, PGPASSWORD"
              + " also work)")
  String dsn;

  public static void main(String[] args) {
    // before Netty's and jraft's classes load: they read these once (the REST server may be first)
    io.synod.store.lean.PoolSizes.applyDefaults();
    System.exit(new CommandLine(new SynodMain()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    int modes = (validate ? 1 : 0) + (generateSample ? 1 : 0) + (generate ? 1 : 0);
    if (modes > 1) {
      System.err.println(
          "synod: use one of --validate-config, --generate-sample-config, --generate-config");
      return 2;
    }
    if (dsn != null && !generate) {
      System.err.println("synod: --dsn goes with --generate-config");
      return 2;
    }
    if (validate || generateSample || generate) {
      LogSetup.quiet();
    }
    Map<String, String> env = System.getenv();
    if (validate) {
      if (config == null) {
        System.err.println("synod: --validate-config needs the file to check");
        return 2;
      }
      return ValidateConfig.run(config, env, System.out, System.err);
    }
    if (generateSample || generate) {
      try {
        String text =
            generateSample
                ? ConfigGenerator.yaml(
                    ConfigGenerator.sample(env),
                    "# Synod node configuration (Patroni's format plus raft). Fill in every"
                        + " #FIXME,\n# then check it: synod --validate-config FILE\n")
                : ConfigGenerator.yaml(
                    ConfigGenerator.fromRunning(dsn, env, SynodMain::askPassword),
                    "# Synod node configuration generated from a running PostgreSQL. Fill in every"
                        + " #FIXME,\n# then check it: synod --validate-config FILE\n");
        ConfigGenerator.write(text, config);
        if (config != null) {
          System.err.println("synod: wrote " + config);
        }
        return 0;
      } catch (IllegalStateException | IOException e) {
        System.err.println("synod: " + e.getMessage());
        return 1;
      }
    }
    if (config == null) {
      new CommandLine(this).usage(System.err);
      return 2;
    }
    return runNode(config);
  }

  private static String askPassword() {
    java.io.Console c = System.console();
    if (c == null) {
      return null;
    }
    char[] pw = c.readPassword("Please enter the user password: ");
    return pw == null ? null : new String(pw);
  }

  @Command(
      name = "run",
      description = "Run one Synod node (store peer, HA loop, REST API) from NODE_YML.")
  static final class Run implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "NODE_YML")
    Path config;

    @Override
    public Integer call() throws Exception {
      return runNode(config);
    }
  }

  @Command(
      name = "wait-ready",
      description =
          "Wait until the node of NODE_YML answers GET /patroni on its REST API (the systemd"
              + " unit's readiness check). Exit 0 ready, 3 not within --timeout.")
  static final class WaitReady implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "NODE_YML")
    Path config;

    @Option(
        names = "--timeout",
        paramLabel = "SECONDS",
        defaultValue = "300",
        description = "give up after this long (default ${DEFAULT-VALUE})")
    long timeout;

    @Override
    public Integer call() {
      return Readiness.await(config, Duration.ofSeconds(timeout), System.getenv(), System.err);
    }
  }

  static int runNode(Path file) throws InterruptedException {
    SynodConfig cfg;
    try {
      cfg = ConfigLoader.read(file, System.getenv());
    } catch (ConfigException e) {
      System.err.println("synod: invalid configuration:");
      e.problems().forEach(p -> System.err.println("  " + p));
      return 2;
    }
    try {
      LogSetup.apply(cfg.log());
    } catch (IllegalStateException e) {
      System.err.println("synod: " + file + ": " + e.getMessage());
      return 2;
    }
    // Logged once, where log.* sends the log: "not used by Synod: KEY (why)", unknown keys...
    Logger log = LoggerFactory.getLogger(SynodMain.class);
    cfg.warnings().forEach(w -> log.warn("{}", w));
    SynodNode node;
    try {
      node = new SynodNode(cfg).startServices();
    } catch (RuntimeException e) {
      System.err.println("synod: cannot start node " + cfg.name() + ": " + e.getMessage());
      log.error("cannot start node {}: {}", cfg.name(), e.getMessage());
      return 1;
    }
    Runtime.getRuntime().addShutdownHook(new Thread(node::close, "synod-shutdown"));
    // Patroni's systemd unit sends SIGHUP to reload; the JVM's default would shut down instead.
    sun.misc.SignalHandler before =
        sun.misc.Signal.handle(new sun.misc.Signal("HUP"), sig -> node.reload());
    if (before == sun.misc.SignalHandler.SIG_IGN) {
      // The JVM keeps an inherited "ignore" (nohup does that): the handler above never runs.
      log.warn(
          "SIGHUP is ignored in this process (started under nohup?): `kill -HUP` and systemctl"
              + " reload will not reload this node; use `synodctl reload` (POST /reload), or start"
              + " it without nohup");
    }
    // the HA loop runs on this thread until the node stops (SIGTERM, or a fatal condition)
    node.runLoop();
    return 0;
  }
}
