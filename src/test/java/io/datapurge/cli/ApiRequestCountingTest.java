package io.datapurge.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.datapurge.operator.ApiRequestMetrics;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code datapurge_kube_api_requests_total} as the operator's own client records it: the client the
 * operator command builds, against a stand-in API server that answers a list, a missing object and a
 * create, read back from the registry by verb, resource and code.
 */
class ApiRequestCountingTest {
  final List<String> seen = Collections.synchronizedList(new ArrayList<>());
  final HttpServer server = apiServer();

  @AfterEach
  void stop() {
    server.stop(0);
  }

  HttpServer apiServer() {
    try {
      HttpServer s = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
      s.createContext("/", ex -> {
        seen.add(ex.getRequestMethod() + " " + ex.getRequestURI().getPath());
        String path = ex.getRequestURI().getPath();
        int code;
        String body;
        if (ex.getRequestMethod().equals("POST")) {
          code = 201;
          body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        } else if (path.endsWith("/missing")) {
          code = 404;
          body = "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\",\"reason\":\"NotFound\",\"code\":404}";
        } else {
          code = 200;
          body = "{\"kind\":\"JobList\",\"apiVersion\":\"batch/v1\",\"metadata\":{},\"items\":[]}";
        }
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(code, bytes.length);
        ex.getResponseBody().write(bytes);
        ex.close();
      });
      s.start();
      return s;
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
  }

  static double count(SimpleMeterRegistry registry, String verb, String resource, String code) {
    FunctionCounter c = registry.find(ApiRequestMetrics.NAME)
        .tags("verb", verb, "resource", resource, "code", code).functionCounter();
    return c == null ? 0 : c.count();
  }

  @Test
  void everyRequestOfTheOperatorsClientIsCountedByVerbResourceAndCode() {
    ApiRequestMetrics requests = new ApiRequestMetrics();
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    String url = "http://127.0.0.1:" + server.getAddress().getPort();
    Job job = new JobBuilder().withNewMetadata().withName("reset-purge-1").withNamespace("staging").endMetadata().build();

    try (KubernetesClient client = OperatorCommand.countedClient(requests)
        .withConfig(new ConfigBuilder().withMasterUrl(url).withNamespace("staging").withRequestRetryBackoffLimit(0)
            .build()).build()) {
      client.batch().v1().jobs().inNamespace("staging").list(); // counted before the registry exists
      requests.bindTo(registry);
      client.batch().v1().jobs().inNamespace("staging").list();
      assertThat(client.pods().inNamespace("staging").withName("missing").get()).isNull();
      client.batch().v1().jobs().inNamespace("staging").resource(job).create();
    }

    assertThat(seen).contains("GET /apis/batch/v1/namespaces/staging/jobs", "GET /api/v1/namespaces/staging/pods/missing",
        "POST /apis/batch/v1/namespaces/staging/jobs");
    assertThat(count(registry, "list", "jobs", "200")).isEqualTo(2);
    assertThat(count(registry, "get", "pods", "404")).isEqualTo(1);
    assertThat(count(registry, "create", "jobs", "201")).isEqualTo(1);
  }
}
