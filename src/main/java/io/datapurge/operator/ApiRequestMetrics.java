package io.datapurge.operator;

import io.fabric8.kubernetes.client.http.AsyncBody;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.HttpResponse;
import io.fabric8.kubernetes.client.http.Interceptor;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Counts the operator's Kubernetes API requests by verb, resource and response code
 * ({@code datapurge_kube_api_requests_total}): what the operator costs the API server, and its API
 * errors, without access to the server's metrics. A client interceptor, so every request counts.
 */
public final class ApiRequestMetrics implements Interceptor, MeterBinder {
  public static final String NAME = "datapurge.kube.api.requests";

  record Key(String verb, String resource, String code) {}

  private final Map<Key, AtomicLong> counts = new ConcurrentHashMap<>();
  private volatile MeterRegistry registry;

  @Override
  public void after(HttpRequest request, HttpResponse<?> response, AsyncBody.Consumer<List<ByteBuffer>> consumer) {
    count(request, String.valueOf(response.code()));
  }

  @Override
  public void afterConnectionFailure(HttpRequest request, Throwable failure) {
    count(request, "none");
  }

  @Override
  public void bindTo(MeterRegistry meterRegistry) {
    registry = meterRegistry;
    counts.forEach((key, n) -> register(meterRegistry, key, n));
  }

  private void count(HttpRequest request, String code) {
    String[] resourceAndName = resource(request.uri().getPath());
    Key key = new Key(verb(request, resourceAndName[1] != null), resourceAndName[0], code);
    AtomicLong n = counts.get(key);
    if (n == null) {
      AtomicLong fresh = new AtomicLong();
      n = counts.putIfAbsent(key, fresh);
      if (n == null) { // a new series: registered once (Micrometer warns when a meter is registered again)
        n = fresh;
        MeterRegistry r = registry;
        if (r != null) register(r, key, n);
      }
    }
    n.incrementAndGet();
  }

  private static void register(MeterRegistry r, Key key, AtomicLong n) {
    FunctionCounter.builder(NAME, n, AtomicLong::doubleValue)
        .description("Kubernetes API requests made by the operator")
        .tags("verb", key.verb(), "resource", key.resource(), "code", key.code())
        .register(r);
  }

  /** Kubernetes' verbs: a GET is watch, get (one named object) or list. */
  static String verb(HttpRequest request, boolean named) {
    String method = request.method();
    String query = request.uri().getRawQuery();
    return switch (method) {
      case "GET" -> query != null && query.matches("(.*&)?watch=(true|1)(&.*)?") ? "watch" : named ? "get" : "list";
      case "POST" -> "create";
      case "PUT" -> "update";
      default -> method.toLowerCase(java.util.Locale.ROOT);
    };
  }

  /** {@code /apis/batch/v1/namespaces/ns/jobs/name/status} → {"jobs/status", "name"}. */
  static String[] resource(String path) {
    String[] p = path.replaceAll("^/+|/+$", "").split("/");
    int i = p.length > 0 && p[0].equals("api") ? 2 : 3; // api/v1 or apis/group/version
    if (p.length > i + 2 && p[i].equals("namespaces")) {
      i += 2;
    }
    if (p.length <= i) {
      return new String[] {"other", null};
    }
    String name = p.length > i + 1 ? p[i + 1] : null;
    String resource = p.length > i + 2 ? p[i] + "/" + p[i + 2] : p[i];
    return new String[] {resource, name};
  }
}
