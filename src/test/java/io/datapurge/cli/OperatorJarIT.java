package io.datapurge.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.datapurge.testing.ControlPlane;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The real jar's {@code operator} command: endpoints, JSON logs and a graceful SIGTERM. */
@ExtendWith(ControlPlane.class)
class OperatorJarIT {

  static final Path JAR = Path.of(System.getProperty("purge.jar", "target/user-data-purge.jar")).toAbsolutePath();
  final HttpClient http = HttpClient.newHttpClient();

  @Test
  void servesHealthReadinessAndMetricsLogsJsonAndStopsOnSigterm(KubernetesClient client) throws Exception {
    String namespace = ControlPlane.createNamespace(client, "operator-jar-it");
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Path log = Files.createTempFile("operator", ".log");
    ProcessBuilder builder = new ProcessBuilder("java", "-jar", JAR.toString(), "operator",
        "--namespaces", namespace, "--purge-image", "datapurge/user-data-purge-operator:0.1.0")
        .redirectErrorStream(true).redirectOutput(log.toFile());
    builder.environment().put("KUBECONFIG", ControlPlane.kubeconfig().toString());
    builder.environment().put("HTTP_PORT", String.valueOf(port));
    builder.environment().put("LOG_FORMAT", "json");
    Process operator = builder.start();
    try {
      await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> get(port, "/readyz").statusCode() == 200);
      assertThat(get(port, "/healthz").body()).isEqualTo("ok\n");
      HttpResponse<String> metrics = get(port, "/metrics");
      assertThat(metrics.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/plain"));
      assertThat(metrics.body()).contains("jvm_memory_used_bytes", "operator_sdk_");
      // The informer's list of the watched namespace, counted by the client interceptor.
      assertThat(metrics.body()).containsPattern(
          "datapurge_kube_api_requests_total\\{code=\"200\",resource=\"userdatapurges\",verb=\"list\"} [1-9]");

      operator.destroy(); // SIGTERM
      assertThat(operator.waitFor(20, TimeUnit.SECONDS)).as("stops within 20s of SIGTERM").isTrue();
      assertThat(operator.exitValue()).isEqualTo(143);

      List<String> lines = Files.readAllLines(log).stream().filter(l -> !l.isBlank()).toList();
      ObjectMapper json = new ObjectMapper();
      assertThat(lines).isNotEmpty().allSatisfy(line -> {
        JsonNode node = json.readTree(line);
        assertThat(node.has("level")).as(line).isTrue();
        assertThat(node.has("formattedMessage")).as(line).isTrue();
      });
      assertThat(String.join("\n", lines)).contains("Operator started", "shutting down");
    } finally {
      operator.destroyForcibly();
      client.namespaces().withName(namespace).delete();
    }
  }

  private HttpResponse<String> get(int port, String path) throws IOException, InterruptedException {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
