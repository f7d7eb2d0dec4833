package io.datapurge.operator;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

class ApiRequestMetricsTest {

  static {
    PurgeReconcilerTest.MOCK_LOG.setLevel(java.util.logging.Level.WARNING);
  }

  KubernetesMockServer server;

  @org.junit.jupiter.api.BeforeEach
  void apiServer() {
    var expectations = new java.util.HashMap<io.fabric8.mockwebserver.ServerRequest,
        java.util.Queue<io.fabric8.mockwebserver.ServerResponse>>();
    server = new KubernetesMockServer(new io.fabric8.mockwebserver.Context(), new io.fabric8.mockwebserver.MockWebServer(),
        expectations, new io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher(expectations), false);
    server.init();
  }

  @org.junit.jupiter.api.AfterEach
  void stop() {
    server.destroy();
  }
  final ApiRequestMetrics requests = new ApiRequestMetrics();
  final SimpleMeterRegistry registry = new SimpleMeterRegistry();

  double count(String verb, String resource, String code) {
    FunctionCounter counter = registry.find(ApiRequestMetrics.NAME)
        .tags("verb", verb, "resource", resource, "code", code).functionCounter();
    return counter == null ? 0 : counter.count();
  }

  KubernetesClient counted(Config config) {
    return new KubernetesClientBuilder().withConfig(config)
        .withHttpClientBuilderConsumer(b -> b.addOrReplaceInterceptor("api-requests", requests)).build();
  }

  @Test
  void requestPathsMapToTheResourceTheOperatorTouched() {
    assertThat(ApiRequestMetrics.resource("/apis/batch/v1/namespaces/staging/jobs/reset-purge-1"))
        .containsExactly("jobs", "reset-purge-1");
    assertThat(ApiRequestMetrics.resource("/apis/batch/v1/namespaces/staging/jobs")).containsExactly("jobs", null);
    assertThat(ApiRequestMetrics.resource("/apis/datapurge.io/v1alpha1/namespaces/staging/userdatapurges/reset/status"))
        .containsExactly("userdatapurges/status", "reset");
    assertThat(ApiRequestMetrics.resource("/api/v1/pods")).containsExactly("pods", null);
    assertThat(ApiRequestMetrics.resource("/api/v1/namespaces/staging")).containsExactly("namespaces", "staging");
    assertThat(ApiRequestMetrics.resource("/api/v1/namespaces")).containsExactly("namespaces", null);
    assertThat(ApiRequestMetrics.resource("/api/v1/nodes/n1/status")).containsExactly("nodes/status", "n1");
    assertThat(ApiRequestMetrics.resource("/version")[0]).isEqualTo("other");
    assertThat(ApiRequestMetrics.resource("/api/v1")[0]).isEqualTo("other");
  }

  @Test
  void everyRequestCountsByVerbResourceAndCodeBeforeAndAfterBinding() {
    try (KubernetesClient client = counted(new ConfigBuilder(server.createClient().getConfiguration()).build())) {
      client.pods().inNamespace("staging").list();
      assertThat(client.pods().inNamespace("staging").withName("missing").get()).isNull();
      requests.bindTo(registry);
      client.pods().inNamespace("staging").resource(new PodBuilder().withNewMetadata().withName("p").endMetadata()
          .build()).create();
      client.pods().inNamespace("staging").withName("p").edit(p -> {
        p.getMetadata().setLabels(java.util.Map.of("a", "b"));
        return p;
      });
      client.pods().inNamespace("staging").withName("p").delete();
      client.pods().inNamespace("staging").list();
    }
    assertThat(count("list", "pods", "200")).as("counted before binding, and after").isEqualTo(2.0);
    assertThat(count("get", "pods", "404")).isEqualTo(1.0);
    assertThat(count("create", "pods", "201")).isEqualTo(1.0);
    assertThat(count("get", "pods", "200")).as("edit reads before it patches").isEqualTo(1.0);
    assertThat(count("patch", "pods", "202")).isEqualTo(1.0);
    assertThat(count("delete", "pods", "200")).isEqualTo(1.0);
  }

  @Test
  void watchesAndUpdatesAreNamedAsKubernetesNamesThem() throws Exception {
    try (KubernetesClient client = counted(new ConfigBuilder(server.createClient().getConfiguration()).build())) {
      requests.bindTo(registry);
      client.pods().inNamespace("staging").resource(new PodBuilder().withNewMetadata().withName("w").endMetadata()
          .build()).create();
      client.pods().inNamespace("staging").resource(new PodBuilder().withNewMetadata().withName("w").endMetadata()
          .build()).update();
      var watch = client.pods().inNamespace("staging").watch(new io.fabric8.kubernetes.client.Watcher<>() {
        @Override
        public void eventReceived(Action action, io.fabric8.kubernetes.api.model.Pod resource) {}

        @Override
        public void onClose(io.fabric8.kubernetes.client.WatcherException cause) {}
      });
      org.awaitility.Awaitility.await().until(() -> count("watch", "pods", "101") + count("watch", "pods", "200") > 0);
      watch.close();
    }
    assertThat(count("update", "pods", "200")).isEqualTo(1.0);
  }
}
