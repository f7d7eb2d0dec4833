package io.datapurge.reliability;

import static io.datapurge.reliability.PurgeHarness.counts;
import static io.datapurge.reliability.PurgeHarness.newDatabase;
import static io.datapurge.reliability.PurgeHarness.sum;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.datapurge.api.Phase;
import io.datapurge.api.UserDataPurgeStatus;
import io.datapurge.testing.ControlPlane;
import io.datapurge.testing.DatabaseChecksum;
import io.datapurge.testing.PostgresServer;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/** Bad input, applied with kubectl as a user would: what is refused, by whom, and with which words. */
@ExtendWith(ControlPlane.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ReliabilityInputIT {

  final KubernetesClient client;
  PurgeHarness h;
  PurgeHarness.OperatorProcess operator;

  ReliabilityInputIT(KubernetesClient client) {
    this.client = client;
  }

  @BeforeAll
  void start() throws Exception {
    h = new PurgeHarness(client, "rel-input");
    operator = h.startOperator("input");
  }

  @AfterAll
  void stop() throws Exception {
    if (h != null) {
      h.close();
    }
  }

  record Bad(String why, String manifest, List<String> message) {}

  @Test
  void malformedManifestsAreRejectedByTheApiServerWithAReadableMessage() {
    String ok = h.manifest("bad", "app", true);
    List<Bad> cases = List.of(
        new Bad("no tables", ok.replace("  tables: [auth_user, custom_auth_tenant, custom_auth_onboardingprogress]\n", ""),
            List.of("spec.tables: Required value")),
        new Bad("empty tables", ok.replace("[auth_user, custom_auth_tenant, custom_auth_onboardingprogress]", "[]"),
            List.of("spec.tables", "at least one table")),
        new Bad("no database host", ok.replaceFirst("    host: .*\n", ""), List.of("spec.database.host: Required value")),
        new Bad("no credentials", ok.replaceFirst("    credentialsSecret: .*\n", ""),
            List.of("spec.database.credentialsSecret: Required value")),
        new Bad("SQL in a table name", ok.replace("[auth_user,", "['auth_user; drop table x',"),
            List.of("spec.tables[0]", "auth_user; drop table x", "should match")),
        new Bad("bad database name", ok.replace("name: app", "name: 'app db'").replace("confirm: app", "confirm: 'app db'"),
            List.of("spec.database.name", "should match")),
        new Bad("unknown strategy", ok + "  strategy: Nuke\n",
            List.of("spec.strategy: Unsupported value: \"Nuke\"", "\"Delete\"", "\"Truncate\"")),
        new Bad("unknown sslMode", ok.replace("    name: app\n", "    name: app\n    sslMode: on\n"),
            List.of("spec.database.sslMode: Unsupported value")),
        new Bad("port out of range", ok.replaceFirst("    port: .*\n", "    port: 70000\n"),
            List.of("spec.database.port", "less than or equal to 65535")),
        new Bad("table both purged and kept", ok + "  keep: [auth_user]\n",
            List.of("a table cannot be listed in both spec.tables and spec.keep")),
        new Bad("misspelt field", ok + "  tabels: [x]\n", List.of("unknown field \"spec.tabels\"")));

    List<String> problems = new ArrayList<>();
    for (Bad bad : cases) {
      io.datapurge.testing.Kubectl.Result r = io.datapurge.testing.Kubectl.run(bad.manifest(), "apply", "-f", "-");
      if (r.exitCode() == 0) {
        problems.add(bad.why() + ": accepted");
      } else if (!bad.message().stream().allMatch(r.output()::contains)) {
        problems.add(bad.why() + ": expected " + bad.message() + " in: " + r.output().strip());
      }
    }
    assertThat(problems).isEmpty();
    assertThat(h.kubectlIn(null, "get", "purge", "-o", "name")).doesNotContain("bad");
  }

  @Test
  void wrongPasswordFailsWithAuthFailedAndThePasswordAppearsNowhere() throws Exception {
    String password = "Wr0ng-" + UUID.randomUUID();
    h.secret("pg-wrong", PostgresServer.user(), password);
    String db = newDatabase();
    h.apply(h.manifest("wrong-password", db, true).replace("{name: pg-purge}", "{name: pg-wrong}"));

    UserDataPurgeStatus failed = h.awaitPhase("wrong-password", Phase.Failed);
    assertThat(failed.getReason()).isEqualTo("AuthFailed");
    assertThat(failed.getMessage()).contains("password authentication failed", "pg-wrong");

    Map<String, String> places = new java.util.LinkedHashMap<>();
    places.put("operator log", operator.log());
    places.put("status", h.kubectlIn(null, "get", "purge", "wrong-password", "-o", "yaml"));
    places.put("events", h.kubectlIn(null, "get", "events", "-o", "yaml"));
    places.put("jobs", h.kubectlIn(null, "get", "jobs", "-o", "yaml"));
    places.put("pods and termination messages", h.kubectlIn(null, "get", "pods", "-o", "yaml"));
    places.put("pod logs", h.kubectlIn(null, "logs", "-l", "job-name", "--all-containers", "--prefix"));
    // What the node keeps on disk: the container logs the kubelet writes, and the termination
    // message file it mounts into the container.
    List<Path> nodeFiles = new java.util.ArrayList<>();
    try (Stream<Path> files = Files.walk(Path.of("/var/lib/user-data-purge/pod-logs"))) {
      files.filter(Files::isRegularFile).filter(f -> f.toString().contains(h.namespace + "_")).forEach(nodeFiles::add);
    }
    for (Pod pod : client.pods().inNamespace(h.namespace).list().getItems()) {
      Path dir = Path.of("/var/lib/user-data-purge/kubelet/pods", pod.getMetadata().getUid(), "containers");
      if (Files.isDirectory(dir)) {
        try (Stream<Path> files = Files.walk(dir)) {
          files.filter(Files::isRegularFile).forEach(nodeFiles::add);
        }
      }
    }
    for (Path f : nodeFiles) places.put(f.toString(), Files.readString(f));
    places.put("kubelet log", Files.readString(ControlPlane.kubeconfig().resolveSibling("kubelet.log")));
    places.put("containerd log", Files.readString(ControlPlane.kubeconfig().resolveSibling("containerd.log")));
    assertThat(places.keySet()).anyMatch(k -> k.startsWith("/var/lib/user-data-purge/pod-logs/")).anyMatch(k -> k.contains("/containers/"));
    assertThat(places.get("pod logs")).isNotBlank();
    assertThat(places.get("pods and termination messages")).contains("AuthFailed");
    places.forEach((where, text) -> assertThat(text).as(where).doesNotContain(password));
  }

  @Test
  void resourceNameOf253CharactersGetsAValidJobAndSettles() throws Exception {
    String name = ("purge-of-the-staging-users-" .repeat(10)).substring(0, 252) + "z";
    assertThat(name).hasSize(253);
    String db = newDatabase();
    h.apply(h.manifest(name, db, false));

    UserDataPurgeStatus plan = h.awaitPhase(name, Phase.AwaitingConfirmation);
    assertThat(plan.getTotals().getBefore()).isEqualTo(sum(counts(db)));
    List<Job> jobs = h.jobsOf(name);
    assertThat(jobs).singleElement().satisfies(j -> assertThat(j.getMetadata().getName())
        .hasSizeLessThanOrEqualTo(63).matches("[a-z0-9]([-a-z0-9]*[a-z0-9])?").startsWith("purge-of-the-staging"));
    String resourceVersion = h.resource(name).getMetadata().getResourceVersion();
    await().during(Duration.ofSeconds(5)).atMost(Duration.ofSeconds(10))
        .until(() -> h.resource(name).getMetadata().getResourceVersion().equals(resourceVersion));
    assertThat(h.kubectlIn(null, "get", "events", "--field-selector", "involvedObject.kind=UserDataPurge",
        "-o", "jsonpath={range .items[*]}{.reason}{\"\\n\"}{end}"))
        .doesNotContain("ReconcileError").contains("AwaitingConfirmation");
    assertThat(operator.log()).doesNotContain("ReconcileError").doesNotContain("Exception");
  }

  @Test
  void verifyFullNeedsTheCaSecretAndNeverFallsBackToPlaintext() throws Exception {
    Path ca = Path.of("target/pg/tls/ca.crt");
    h.kubectlIn(null, "create", "secret", "generic", "pg-ca", "--from-file=ca.crt=" + ca);
    String db = newDatabase();
    Map<String, String> before = DatabaseChecksum.of(db);

    h.apply(h.manifest("no-ca", db, true).replace("    credentialsSecret:", "    sslMode: verify-full\n    credentialsSecret:"));
    UserDataPurgeStatus failed = h.awaitPhase("no-ca", Phase.Failed);
    assertThat(failed.getReason()).isEqualTo("ConnectionFailed");
    assertThat(failed.getMessage()).contains("SSL root certificate", "set spec.database.caSecret");
    // pg_hba also accepts plaintext: a fallback would have connected and purged.
    assertThat(DatabaseChecksum.of(db)).isEqualTo(before);

    h.apply(h.manifest("with-ca", db, true).replace("    credentialsSecret:",
        "    sslMode: verify-full\n    caSecret: {name: pg-ca}\n    credentialsSecret:"));
    UserDataPurgeStatus done = h.awaitPhase("with-ca", Phase.Succeeded);
    assertThat(done.getTotals().getAfter()).isZero();
    assertThat(counts(db)).allSatisfy((t, n) -> assertThat(n).as(t).isZero());
    Pod pod = h.podsOf(done.getJobName()).get(0);
    assertThat(pod.getSpec().getContainers().get(0).getVolumeMounts())
        .anySatisfy(m -> assertThat(m.getReadOnly()).isTrue());
  }
}
