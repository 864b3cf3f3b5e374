package io.synod.engine.testing;

import java.nio.file.Files;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestWatcher;

/**
 * Prints the end of every node's log when a test of a real cluster fails, so a failure seen once
 * (in CI, say) can be understood from the test output alone.
 */
public final class LogsOnFailure implements TestWatcher {
  private static final int LINES = 80;
  private final Supplier<ClusterFixture> cluster;

  public LogsOnFailure(Supplier<ClusterFixture> cluster) {
    this.cluster = cluster;
  }

  @Override
  public void testFailed(ExtensionContext context, Throwable cause) {
    ClusterFixture c = cluster.get();
    if (c == null) {
      return;
    }
    for (ClusterFixture.NodeProc n : c.nodes()) {
      try {
        List<String> all = Files.readAllLines(n.log());
        System.out.println(
            "---- last "
                + LINES
                + " lines of "
                + n.name
                + "'s log ("
                + context.getDisplayName()
                + ")");
        all.subList(Math.max(0, all.size() - LINES), all.size()).forEach(System.out::println);
      } catch (Exception e) {
        System.out.println("---- no log for " + n.name + ": " + e);
      }
    }
  }
}
