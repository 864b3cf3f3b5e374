package io.synod.engine.it;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import io.synod.engine.testing.Await;
import io.synod.engine.testing.Browser;
import io.synod.engine.testing.ClusterFixture;
import io.synod.engine.testing.ClusterFixture.NodeProc;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The web page (GET /ui) in a real headless chromium, against a real three-node cluster: it shows
 * three members and one primary; after a kill -9 of the primary's engine and postmaster it shows
 * the new primary and its promotion, without being reloaded (a marker set in the page's window
 * survives); when the serving node then loses its Raft majority it says the data is stale.
 * Screenshots go to target/ui/; with {@code -Dsynod.writeScreenshot=true} the light one is copied
 * to docs/ui.png (the README's picture).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class UiBrowserIT {
  static final Duration FORM = Duration.ofSeconds(150);
  static final Duration FAILOVER = Duration.ofSeconds(60);
  static final Path SHOTS = Path.of("target", "ui");
  static ClusterFixture cluster;
  static Browser browser;
  static NodeProc serving;
  static String firstPrimary;
  static String newPrimary;

  @org.junit.jupiter.api.extension.RegisterExtension
  static final io.synod.engine.testing.LogsOnFailure LOGS =
      new io.synod.engine.testing.LogsOnFailure(() -> cluster);

  @BeforeAll
  static void start() throws Exception {
    org.junit.jupiter.api.Assumptions.assumeTrue(
        Browser.binary() != null, "chromium is not installed (bin/test installs it)");
    cluster = new ClusterFixture("it-ui", 3, "", List.of()).startAll();
    Await.until(
        FORM,
        () -> "1 leader + 2 streaming replicas; leader=" + cluster.leader(),
        () -> cluster.leader() != null && cluster.streamingReplicas().size() == 2);
    firstPrimary = cluster.leader();
    // Served by a replica, so the page's own server survives the primary's death.
    serving = cluster.nodes().stream().filter(n -> !n.name.equals(firstPrimary)).findFirst().get();
    browser = new Browser("http://127.0.0.1:" + serving.restPort + "/ui", 1280, 1400);
  }

  @AfterAll
  static void stop() {
    if (browser != null) {
      browser.close();
    }
    if (cluster != null) {
      cluster.close();
    }
  }

  static String text(String js) {
    JsonNode v = browser.eval(js);
    return v == null || v.isNull() || v.isMissingNode() ? null : v.asText();
  }

  static int members() {
    JsonNode v = browser.eval("document.querySelectorAll('#members .member').length");
    return v == null ? -1 : v.asInt();
  }

  static List<String> primaries() {
    String s =
        text(
            "Array.from(document.querySelectorAll('#members .member[data-role=primary]'))"
                + ".map(e => e.dataset.name).join(',')");
    return s == null || s.isEmpty() ? List.of() : List.of(s.split(","));
  }

  @Test
  @Order(1)
  void thePageShowsThreeMembersAndOnePrimary() throws Exception {
    Await.until(
        Duration.ofSeconds(30),
        () -> "3 member cards, 1 primary; cards=" + members() + " primaries=" + primaries(),
        () -> members() == 3 && primaries().equals(List.of(firstPrimary)));
    assertEquals(firstPrimary, text("document.body.dataset.primary"));
    assertEquals(
        "live",
        text("document.body.dataset.state"),
        () -> text("document.getElementById('banner').textContent"));
    assertNotNull(text("document.getElementById('lease').textContent"));
    // The page's window outlives every poll; a reload would drop this marker.
    browser.eval("window.synodNoReloadMarker = 'set-before-the-kill'");
    browser.screenshot(SHOTS.resolve("ui-before-failover.png"));
  }

  @Test
  @Order(2)
  void afterAKillOfThePrimaryThePageShowsTheNewPrimaryWithoutReloading() throws Exception {
    NodeProc old = cluster.node(firstPrimary);
    long killed = System.nanoTime();
    old.killNode();
    Await.until(
        FAILOVER,
        () ->
            "a new writable primary; page says "
                + text("document.body.dataset.primary")
                + " banner="
                + text("document.getElementById('banner').textContent"),
        () -> {
          String p = cluster.writablePrimary();
          return p != null && !p.equals(firstPrimary);
        });
    newPrimary = cluster.writablePrimary();
    Await.until(
        FAILOVER,
        () -> "the page shows primary " + newPrimary + "; it shows " + primaries(),
        () -> primaries().equals(List.of(newPrimary)));
    System.out.printf(
        "MEASURED ui: page shows the new primary %d ms after the kill%n",
        (System.nanoTime() - killed) / 1_000_000);
    assertEquals(
        "set-before-the-kill",
        text("window.synodNoReloadMarker"),
        "the page was reloaded: the marker set before the kill is gone");
    assertEquals(newPrimary, text("document.body.dataset.primary"));
    // The promotion is in the merged event list and in the failover chart.
    Await.until(
        Duration.ofSeconds(20),
        "a promotion event of " + newPrimary + " on the page",
        () ->
            "true"
                .equals(
                    text(
                        "!!document.querySelector('#events li[data-kind=promotion][data-node="
                            + newPrimary
                            + "]') && !!document.querySelector('#chart svg rect')")));
    // the dead primary's own events (its bootstrap) stay on the page, as last received
    assertEquals(
        "true",
        text("!!document.querySelector('#events li[data-node=" + firstPrimary + "]')"),
        "the dead primary's events vanished from the page");
    // the dead node's card says so
    Await.until(
        Duration.ofSeconds(20),
        "the dead member's card marked unreachable",
        () ->
            "false"
                .equals(
                    text(
                        "(document.querySelector('#members .member[data-name="
                            + firstPrimary
                            + "]') || {dataset: {reachable: 'false'}}).dataset.reachable")));
    browser.screenshot(SHOTS.resolve("ui-light.png"));
    browser.colorScheme("dark");
    Thread.sleep(1500);
    browser.screenshot(SHOTS.resolve("ui-dark.png"));
    browser.colorScheme("light");
    browser.screen(390, 1600, true);
    Thread.sleep(1500);
    JsonNode overflow =
        browser.eval("document.documentElement.scrollWidth <= window.innerWidth + 1");
    browser.screenshot(SHOTS.resolve("ui-phone.png"));
    browser.screen(1280, 1400, false);
    assertTrue(overflow != null && overflow.asBoolean(), "the page is wider than a phone screen");
    if (Boolean.getBoolean("synod.writeScreenshot")) {
      Path docs = Path.of("..", "docs", "ui.png");
      Files.createDirectories(docs.getParent());
      Files.copy(SHOTS.resolve("ui-light.png"), docs, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  @Test
  @Order(3)
  void whenTheServingNodeLosesItsPeersThePageSaysItsDataIsStale() throws Exception {
    assertNotNull(newPrimary, "needs the failover of the previous test");
    for (NodeProc n : cluster.nodes()) {
      if (n != serving && n.alive()) {
        n.killNode();
      }
    }
    Await.until(
        FAILOVER,
        () -> "the stale banner; state=" + text("document.body.dataset.state"),
        () -> "stale".equals(text("document.body.dataset.state")));
    String banner =
        text(
            "document.getElementById('banner').hidden ? '' : document.getElementById('banner').textContent");
    assertNotNull(banner);
    assertFalse(banner.isEmpty(), "the banner is hidden");
    browser.screenshot(SHOTS.resolve("ui-stale.png"));
    System.out.println("ui: stale banner: " + banner);
  }
}
