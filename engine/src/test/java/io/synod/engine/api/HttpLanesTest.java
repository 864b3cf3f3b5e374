package io.synod.engine.api;

import static org.junit.jupiter.api.Assertions.*;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

/**
 * Health checks cannot be starved: reads that hang (a store without quorum) and a flood of them
 * fill their own lane, while the checks are still answered, and a full lane answers 503 at once.
 */
class HttpLanesTest {
  private final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @Test
  void hangingReadsNeitherDelayHealthChecksNorPileUp() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    HttpServer server =
        new HttpServer()
            .lanes(r -> r.path().equals("/primary") ? HttpServer.Lane.CHECK : HttpServer.Lane.READ)
            .start(
                "127.0.0.1",
                0,
                null,
                Map.of(),
                r -> {
                  if (r.path().equals("/cluster")) {
                    try {
                      release.await();
                    } catch (InterruptedException e) {
                      Thread.currentThread().interrupt();
                    }
                  }
                  return Response.text(200, "ok");
                });
    try {
      List<CompletableFuture<HttpResponse<String>>> reads = new ArrayList<>();
      for (int i = 0; i < 100; i++) { // 2 threads + 64 queued; the rest overflow
        reads.add(
            http.sendAsync(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/cluster"))
                    .build(),
                HttpResponse.BodyHandlers.ofString()));
      }
      // every read that could not be queued is answered 503 while the others still hang
      long deadline = System.nanoTime() + 30_000_000_000L;
      while (reads.stream().filter(CompletableFuture::isDone).count() < 34
          && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      List<Integer> answered = new ArrayList<>();
      for (CompletableFuture<HttpResponse<String>> f : reads) {
        HttpResponse<String> r = f.getNow(null);
        if (r != null) {
          answered.add(r.statusCode());
        }
      }
      assertEquals(34, answered.size(), "2 running + 64 queued; the rest refused: " + answered);
      assertTrue(answered.stream().allMatch(c -> c == 503), answered.toString());
      // the check is answered while two reads hang on their threads and more wait in the queue
      HttpResponse<String> check =
          http.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/primary"))
                  .timeout(Duration.ofSeconds(30))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertEquals(200, check.statusCode());
      assertEquals(1, release.getCount(), "the reads were still hanging when the check answered");
    } finally {
      release.countDown();
      server.close();
    }
  }
}
