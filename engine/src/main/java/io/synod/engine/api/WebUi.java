package io.synod.engine.api;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * The read-only web page at {@code GET /ui}: three static files shipped in the jar (resources
 * {@code ui/}), no build step. The script polls same-origin JSON endpoints (/cluster, /history,
 * /patroni, /raft, /events?cluster=1) and has no buttons; see docs/ui.md.
 */
final class WebUi {
  /** The page's paths; "/ui/" is "/ui" (the router strips trailing slashes). */
  static final List<String> PATHS = List.of("/ui", "/ui/index.html", "/ui/app.js", "/ui/style.css");

  /** Scripts and styles from this origin only, no framing, no sniffing, no caching. */
  private static final Map<String, String> HEADERS =
      Map.of(
          "Content-Security-Policy",
              "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none';"
                  + " form-action 'none'",
          "X-Content-Type-Options", "nosniff",
          "X-Frame-Options", "DENY",
          "Referrer-Policy", "no-referrer",
          "Cache-Control", "no-cache");

  private WebUi() {}

  static Response serve(String path) {
    String file = path.equals("/ui") ? "index.html" : path.substring("/ui/".length());
    String type =
        file.endsWith(".js")
            ? "text/javascript; charset=utf-8"
            : file.endsWith(".css") ? "text/css; charset=utf-8" : "text/html; charset=utf-8";
    String body = read(file);
    if (body == null) {
      return Response.text(404, "the web page's " + file + " is missing from this build");
    }
    Response r = new Response(200, type, body);
    for (Map.Entry<String, String> h : HEADERS.entrySet()) {
      r = r.withHeader(h.getKey(), h.getValue());
    }
    return r;
  }

  private static String read(String file) {
    try (InputStream in = WebUi.class.getResourceAsStream("/ui/" + file)) {
      return in == null ? null : new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return null;
    }
  }
}
