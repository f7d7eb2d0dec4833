package io.datapurge.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.javaoperatorsdk.operator.Operator;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** What the kubelet's probes and Prometheus see on the operator's port. */
@EnableKubernetesMockClient(crud = true)
class HttpEndpointsTest {

  static {
    PurgeReconcilerTest.MOCK_LOG.setLevel(java.util.logging.Level.WARNING);
  }

  KubernetesClient client;
  final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  HttpResponse<String> get(HttpEndpoints endpoints, String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + endpoints.port() + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void healthzServesAtOnceAndReadyzOnlyOnceTheOperatorStarted() throws Exception {
    new PurgeMetrics(registry);
    Operator operator = new Operator(o -> o.withKubernetesClient(client).withCloseClientOnStop(false)
        .withUseSSAToPatchPrimaryResource(false));
    operator.register(new PurgeReconciler(Resources.SETTINGS, new PurgeMetrics(registry)), c -> c.watchingAllNamespaces());
    try (HttpEndpoints endpoints = HttpEndpoints.start(0, operator, registry)) {
      assertThat(endpoints.port()).isPositive();
      HttpResponse<String> health = get(endpoints, "/healthz");
      assertThat(health.statusCode()).isEqualTo(200);
      assertThat(health.body()).isEqualTo("ok\n");
      assertThat(health.headers().firstValue("Content-Type")).contains("text/plain");

      HttpResponse<String> notReady = get(endpoints, "/readyz");
      assertThat(notReady.statusCode()).isEqualTo(503);
      assertThat(notReady.body()).isEqualTo("not ready: the operator has not started\n");

      operator.start();
      await().atMost(Duration.ofSeconds(10)).until(() -> get(endpoints, "/readyz").statusCode() == 200);
      assertThat(get(endpoints, "/readyz").body()).isEqualTo("ok\n");

      HttpResponse<String> metrics = get(endpoints, "/metrics");
      assertThat(metrics.statusCode()).isEqualTo(200);
      assertThat(metrics.headers().firstValue("Content-Type")).contains("text/plain; version=0.0.4; charset=utf-8");
      assertThat(metrics.body()).contains("datapurge_rows_deleted_total");
    } finally {
      operator.stop();
    }
  }

  @Test
  void closingStopsServing() throws Exception {
    Operator operator = new Operator(o -> o.withKubernetesClient(client).withCloseClientOnStop(false));
    HttpEndpoints endpoints = HttpEndpoints.start(0, operator, registry);
    int port = endpoints.port();
    endpoints.close();
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/healthz")).build(),
            HttpResponse.BodyHandlers.ofString()))
        .isInstanceOf(java.io.IOException.class);
  }
}
