package io.synod.engine.api;

import java.net.URI;
import java.util.Locale;
import java.util.Set;

/**
 * Keeps a web page from driving the REST API through a browser that can reach it (an operator's
 * laptop on the database network): unsafe methods take their body as JSON only, and requests a
 * browser marks as coming from another site are refused. A cross-site HTML form can send only form
 * or text bodies, and a script on another site cannot set {@code Content-Type: application/json}
 * without a CORS preflight, which this API never grants. patronictl, synodctl and curl send no
 * Origin header.
 */
final class CrossSiteGuard {
  private static final Set<String> SAME_SITE = Set.of("same-origin", "none");

  private CrossSiteGuard() {}

  /** Null when an unsafe request may proceed, else the 403/415 answer. */
  static Response check(Request r) {
    String fetchSite = r.header("sec-fetch-site");
    if (fetchSite != null && !SAME_SITE.contains(fetchSite.trim().toLowerCase(Locale.ROOT))) {
      return Response.text(
          403, "cross-site request refused (Sec-Fetch-Site: " + fetchSite.trim() + ")");
    }
    String origin = r.header("origin");
    if (origin != null && !sameOrigin(origin, r.header("host"))) {
      return Response.text(403, "cross-site request refused (Origin: " + origin.trim() + ")");
    }
    String type = r.header("content-type");
    boolean hasBody = !r.body().isBlank();
    if ((hasBody || type != null) && !isJson(type)) {
      return Response.text(
          415,
          r.method()
              + " "
              + r.path()
              + " takes a JSON body: send Content-Type: application/json"
              + (type == null ? "" : " (got " + type.trim() + ")"));
    }
    return null;
  }

  /** application/json or application/*+json, any parameters (charset...). */
  static boolean isJson(String contentType) {
    if (contentType == null) {
      return false;
    }
    String t = contentType.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
    return t.equals("application/json") || (t.startsWith("application/") && t.endsWith("+json"));
  }

  private static boolean sameOrigin(String origin, String host) {
    if (host == null) {
      return false;
    }
    try {
      URI o = URI.create(origin.trim());
      String authority = o.getRawAuthority();
      return authority != null && authority.equalsIgnoreCase(host.trim());
    } catch (IllegalArgumentException e) {
      return false; // "null" (a sandboxed page) and other oddities
    }
  }
}
