package io.synod.engine.cli;

import io.synod.config.ConfigException;
import io.synod.config.ConfigLoader;
import io.synod.config.SynodConfig;
import io.synod.engine.SynodNode;
import io.synod.engine.SynodVersion;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** The {@code synod} entry point: run one node from its YAML, or a local three-node demo. */
@Command(
    name = "synod",
    mixinStandardHelpOptions = true,
    versionProvider = SynodMain.Version.class,
    description = "PostgreSQL high availability on an embedded Raft group.",
    subcommands = {SynodMain.Run.class, Demo.class})
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
      description = "run one node from this config file (same as 'synod run')")
  Path config;

  public static void main(String[] args) {
    System.exit(new CommandLine(new SynodMain()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    if (config == null) {
      new CommandLine(this).usage(System.err);
      return 2;
    }
    return runNode(config);
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

  static int runNode(Path file) throws InterruptedException {
    SynodConfig cfg;
    try {
      cfg = ConfigLoader.load(file, System.getenv());
    } catch (ConfigException e) {
      System.err.println("synod: invalid configuration:");
      e.problems().forEach(p -> System.err.println("  " + p));
      return 2;
    }
    SynodNode node;
    try {
      node = new SynodNode(cfg).start();
    } catch (RuntimeException e) {
      System.err.println("synod: cannot start node " + cfg.name() + ": " + e.getMessage());
      return 1;
    }
    Runtime.getRuntime().addShutdownHook(new Thread(node::close, "synod-shutdown"));
    // Patroni's systemd unit sends SIGHUP to reload; the JVM's default would shut down instead.
    sun.misc.Signal.handle(new sun.misc.Signal("HUP"), sig -> node.reload());
    node.awaitTermination();
    return 0;
  }
}
