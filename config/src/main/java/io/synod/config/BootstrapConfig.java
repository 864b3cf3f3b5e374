package io.synod.config;

import java.util.List;
import java.util.Map;

/**
 * {@code bootstrap}: how the first member creates the cluster, and the dynamic configuration it
 * seeds.
 *
 * @param dcs written once to the DCS {@code config} key by the member that initializes the cluster;
 *     later edits to the file do not change a running cluster (use PATCH /config)
 * @param method {@code initdb} (default) or the name of a custom method section
 * @param initdbArgs Patroni's {@code initdb} list as command-line arguments, e.g. {@code
 *     --data-checksums}, {@code --encoding=UTF8}
 * @param postBootstrap script run once after initialization ({@code post_bootstrap} or {@code
 *     post_init}); null if none
 * @param customMethod the {@code bootstrap.<method>} section (command, keep_existing_recovery_conf,
 *     no_params, recovery_conf, extra script arguments) when method is not initdb; null otherwise
 */
public record BootstrapConfig(
    DynamicConfig dcs,
    String method,
    List<String> initdbArgs,
    String postBootstrap,
    Map<String, Object> customMethod) {
  public static final String INITDB = "initdb";

  public BootstrapConfig {
    initdbArgs = initdbArgs == null ? List.of() : List.copyOf(initdbArgs);
    method = method == null ? INITDB : method;
  }

  public static BootstrapConfig defaults() {
    return new BootstrapConfig(DynamicConfig.defaults(), INITDB, List.of(), null, null);
  }

  public boolean usesInitdb() {
    return INITDB.equals(method);
  }

  static BootstrapConfig from(Section s) {
    Section dcsSection = s.section("dcs");
    DynamicConfig dcs =
        DynamicConfig.parse(
            dcsSection.present() ? dcsSection.map() : Map.of(), s.problems(), s.path("dcs"));
    String method = s.string("method", INITDB);
    List<String> initdb = UserOptions.toArgs(s, "initdb", "initdb", UserOptions.INITDB_NOT_ALLOWED);
    String post = s.string("post_bootstrap", null);
    String postInit = s.string("post_init", null);
    if (post != null && postInit != null && !post.equals(postInit)) {
      s.error("post_init", "conflicts with post_bootstrap (they are two names for one script)");
    }
    Map<String, Object> custom = null;
    if (!INITDB.equals(method)) {
      // Patroni quietly falls back to initdb when the method section or its command is missing;
      // creating a
      // different cluster than the operator asked for is worse than refusing to start.
      Section m = s.opaqueSection(method);
      if (!m.present()) {
        s.error(
            method,
            "required by bootstrap.method: " + method + " (a section with at least command)");
      } else {
        m.requiredString("command");
        m.optionalBool("no_params");
        m.optionalBool("keep_existing_recovery_conf");
        m.stringMap("recovery_conf");
        custom = Maps.immutableCopy(m.map());
      }
    }
    s.notUsed("users", "pg_hba"); // removed in Patroni 4.0
    s.finish();
    return new BootstrapConfig(dcs, method, initdb, post != null ? post : postInit, custom);
  }
}
