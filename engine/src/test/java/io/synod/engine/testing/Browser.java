package io.synod.engine.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One headless Debian {@code chromium} showing one page, driven over the DevTools protocol (its
 * websocket, with the JDK's client): evaluate JavaScript in the page as it runs, emulate a theme or
 * a phone screen, take screenshots. The page is loaded once and never reloaded by this class, so a
 * test can watch it update itself. {@link #close()} kills the browser (its process tree, by PID)
 * and deletes its profile directory.
 */
public final class Browser implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private final Process process;
  private final Path profile;
  private final WebSocket ws;
  private final AtomicInteger ids = new AtomicInteger();
  private final Map<Integer, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();

  /** The chromium binary, or null when it is not installed. */
  public static String binary() {
    for (String b : List.of("/usr/bin/chromium", "/usr/bin/chromium-browser")) {
      if (Files.isExecutable(Path.of(b))) {
        return b;
      }
    }
    return null;
  }

  public Browser(String url, int width, int height) throws IOException, InterruptedException {
    String bin = binary();
    if (bin == null) {
      throw new IllegalStateException("chromium is not installed (bin/test installs it)");
    }
    profile = Files.createTempDirectory("synod-chromium-");
    ProcessBuilder pb =
        new ProcessBuilder(
            bin,
            "--headless",
            "--no-sandbox", // as root, chromium's sandbox refuses to start
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--no-default-browser-check",
            "--disable-extensions",
            "--hide-scrollbars",
            "--remote-debugging-address=127.0.0.1",
            "--remote-debugging-port=0",
            "--remote-allow-origins=*",
            "--user-data-dir=" + profile,
            "--window-size=" + width + "," + height,
            url);
    pb.redirectErrorStream(true);
    pb.redirectOutput(profile.resolve("chromium.log").toFile());
    process = pb.start();
    try {
      int port = debugPort();
      ws =
          HTTP.newWebSocketBuilder()
              .buildAsync(URI.create(pageSocket(port)), new Listener())
              .join();
    } catch (RuntimeException | IOException | InterruptedException e) {
      close();
      throw e;
    }
  }

  /** chromium writes the port it chose (--remote-debugging-port=0) into the profile directory. */
  private int debugPort() throws IOException, InterruptedException {
    Path f = profile.resolve("DevToolsActivePort");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException("chromium exited: " + log());
      }
      if (Files.exists(f)) {
        List<String> lines = Files.readAllLines(f);
        if (!lines.isEmpty() && !lines.get(0).isBlank()) {
          return Integer.parseInt(lines.get(0).trim());
        }
      }
      Thread.sleep(100);
    }
    throw new IllegalStateException("chromium opened no DevTools port: " + log());
  }

  /** The websocket of the page target (the tab showing the URL). */
  private String pageSocket(int port) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline) {
      HttpResponse<String> r =
          HTTP.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/json/list"))
                  .timeout(Duration.ofSeconds(5))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      for (JsonNode t : JSON.readTree(r.body())) {
        if ("page".equals(t.path("type").asText()) && t.has("webSocketDebuggerUrl")) {
          return t.path("webSocketDebuggerUrl").asText();
        }
      }
      Thread.sleep(100);
    }
    throw new IllegalStateException("chromium shows no page: " + log());
  }

  public String log() {
    try {
      return Files.readString(profile.resolve("chromium.log"));
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  /** One DevTools command; its result. */
  public JsonNode call(String method, Map<String, Object> params) {
    int id = ids.incrementAndGet();
    ObjectNode msg = JSON.createObjectNode();
    msg.put("id", id);
    msg.put("method", method);
    msg.set("params", JSON.valueToTree(params));
    CompletableFuture<JsonNode> f = new CompletableFuture<>();
    pending.put(id, f);
    ws.sendText(msg.toString(), true).join();
    try {
      JsonNode r = f.get(30, TimeUnit.SECONDS);
      if (r.has("error")) {
        throw new IllegalStateException(method + ": " + r.get("error"));
      }
      return r.path("result");
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      throw new IllegalStateException(method + " got no answer: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } finally {
      pending.remove(id);
    }
  }

  /** Evaluates {@code js} in the page as it is now; its value (null when it threw). */
  public JsonNode eval(String js) {
    JsonNode r = call("Runtime.evaluate", Map.of("expression", js, "returnByValue", true));
    if (r.has("exceptionDetails")) {
      return null;
    }
    return r.path("result").path("value");
  }

  /** A PNG of what the page shows now, written to {@code file}. */
  public void screenshot(Path file) throws IOException {
    JsonNode r =
        call("Page.captureScreenshot", Map.of("format", "png", "captureBeyondViewport", true));
    Files.createDirectories(file.toAbsolutePath().getParent());
    Files.write(file, Base64.getDecoder().decode(r.path("data").asText()));
  }

  /** Emulates the system theme ("light" or "dark"). */
  public void colorScheme(String scheme) {
    call(
        "Emulation.setEmulatedMedia",
        Map.of("features", List.of(Map.of("name", "prefers-color-scheme", "value", scheme))));
  }

  /** Emulates a screen of this size (a phone: mobile true). */
  public void screen(int width, int height, boolean mobile) {
    call(
        "Emulation.setDeviceMetricsOverride",
        Map.of("width", width, "height", height, "deviceScaleFactor", 1, "mobile", mobile));
  }

  private final class Listener implements WebSocket.Listener {
    private final StringBuilder buf = new StringBuilder();

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
      buf.append(data);
      if (last) {
        String text = buf.toString();
        buf.setLength(0);
        try {
          JsonNode n = JSON.readTree(text);
          if (n.has("id")) {
            CompletableFuture<JsonNode> f = pending.get(n.get("id").asInt());
            if (f != null) {
              f.complete(n);
            }
          }
        } catch (IOException e) {
          // not ours to handle: events we did not subscribe to
        }
      }
      webSocket.request(1);
      return null;
    }
  }

  @Override
  public void close() {
    try {
      if (ws != null) {
        ws.abort();
      }
    } catch (RuntimeException e) {
      // closing anyway
    }
    if (process != null) {
      process.descendants().forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly();
      try {
        process.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    io.synod.engine.postgres.PgFiles.deleteRecursively(profile);
  }
}
