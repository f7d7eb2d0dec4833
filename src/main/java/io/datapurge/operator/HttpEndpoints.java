package io.datapurge.operator;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.javaoperatorsdk.operator.Operator;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * {@code /healthz} (the process serves), {@code /readyz} (the operator started and its informers
 * are healthy) and {@code /metrics} (Prometheus text) on one port.
 */
public final class HttpEndpoints implements AutoCloseable {

  private final HttpServer server;

  private HttpEndpoints(HttpServer server) {
    this.server = server;
  }

  public static HttpEndpoints start(int port, Operator operator, PrometheusMeterRegistry registry)
      throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress(port), 0);
    server.createContext("/healthz", ex -> reply(ex, 200, "text/plain", () -> "ok\n"));
    server.createContext("/readyz", ex -> {
      var info = operator.getRuntimeInfo();
      boolean ready = info.isStarted() && info.allEventSourcesAreHealthy();
      // Before start the event sources cannot be asked (that threw, and the probe got no answer at all).
      reply(ex, ready ? 200 : 503, "text/plain", () -> ready ? "ok\n"
          : "not ready: " + (info.isStarted() ? info.unhealthyEventSources() : "the operator has not started") + "\n");
    });
    server.createContext("/metrics", ex -> reply(ex, 200,
        "text/plain; version=0.0.4; charset=utf-8", registry::scrape));
    server.setExecutor(Executors.newFixedThreadPool(2, r -> {
      Thread t = new Thread(r, "http");
      t.setDaemon(true);
      return t;
    }));
    server.start();
    return new HttpEndpoints(server);
  }

  public int port() {
    return server.getAddress().getPort();
  }

  private static void reply(HttpExchange exchange, int code, String type, Supplier<String> body)
      throws IOException {
    byte[] bytes = body.get().getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", type);
    exchange.sendResponseHeaders(code, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
