package io.datapurge.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.ContainerStateWaiting;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceList;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodSpecBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.api.model.rbac.PolicyRuleBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.MixedOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The local control plane behaves like a cluster in the ways the operator depends on. */
@ExtendWith(ControlPlane.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ControlPlaneIT {

  private static final String IMAGE = ControlPlane.image();
  private static final Duration POD_TIMEOUT = Duration.ofSeconds(90);

  private final KubernetesClient client;
  private String namespace;

  ControlPlaneIT(KubernetesClient client) {
    this.client = client;
  }

  @BeforeAll
  void createNamespace() {
    namespace = ControlPlane.createNamespace(client, "control-plane-it");
  }

  @AfterAll
  void deleteNamespace() {
    if (namespace != null) {
      client.namespaces().withName(namespace).delete();
    }
  }

  @Test
  void apiServerEnforcesCelRulesAndServesTheStatusSubresourceOfACustomResource() {
    CustomResourceDefinition crd =
        client
            .apiextensions()
            .v1()
            .customResourceDefinitions()
            .load(getClass().getResourceAsStream("/controlplane/widget-crd.yaml"))
            .item();
    client.resource(crd).forceConflicts().serverSideApply();
    client
        .apiextensions()
        .v1()
        .customResourceDefinitions()
        .withName(crd.getMetadata().getName())
        .waitUntilCondition(
            c ->
                c != null
                    && c.getStatus() != null
                    && c.getStatus().getConditions().stream()
                        .anyMatch(k -> k.getType().equals("Established") && k.getStatus().equals("True")),
            30,
            TimeUnit.SECONDS);
    MixedOperation<GenericKubernetesResource, GenericKubernetesResourceList, Resource<GenericKubernetesResource>>
        widgets =
            client.genericKubernetesResources(
                new ResourceDefinitionContext.Builder()
                    .withGroup("controlplane.test.datapurge.io")
                    .withVersion("v1")
                    .withPlural("widgets")
                    .withKind("Widget")
                    .withNamespaced(true)
                    .build());

    assertThatThrownBy(() -> widgets.inNamespace(namespace).resource(widget("inverted", 3, 1)).create())
        .isInstanceOfSatisfying(
            KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(422))
        .hasMessageContaining("min must not exceed max");

    GenericKubernetesResource created = widgets.inNamespace(namespace).resource(widget("ok", 1, 3)).create();
    created.setAdditionalProperty("status", Map.of("phase", "Ready"));
    widgets.inNamespace(namespace).resource(created).updateStatus();
    GenericKubernetesResource afterStatus = widgets.inNamespace(namespace).withName("ok").get();
    assertThat(afterStatus.<String>get("status", "phase")).isEqualTo("Ready");
    assertThat(afterStatus.getMetadata().getGeneration()).isEqualTo(1L);

    afterStatus.setAdditionalProperty("status", Map.of("phase", "Changed through the main endpoint"));
    afterStatus.setAdditionalProperty("spec", Map.of("min", 2, "max", 3));
    GenericKubernetesResource afterUpdate = widgets.inNamespace(namespace).resource(afterStatus).update();
    assertThat(afterUpdate.<String>get("status", "phase")).isEqualTo("Ready");
    assertThat(afterUpdate.getMetadata().getGeneration()).isEqualTo(2L);
  }

  @Test
  void jobCreatedThroughTheApiRunsTheJarOnTheLocalNodeToComplete() {
    Job job =
        client
            .batch()
            .v1()
            .jobs()
            .inNamespace(namespace)
            .resource(
                new JobBuilder()
                    .withNewMetadata()
                    .withName("version")
                    .endMetadata()
                    .withNewSpec()
                    .withBackoffLimit(0)
                    .withNewTemplate()
                    .withSpec(purgePod(List.of("--version")))
                    .endTemplate()
                    .endSpec()
                    .build())
            .create();

    await()
        .atMost(POD_TIMEOUT)
        .until(() -> hasCondition(client.resource(job).get(), "Complete"));
    Pod pod = onlyPodOf(job);
    assertThat(pod.getSpec().getNodeName()).isEqualTo(ControlPlane.NODE);
    assertThat(pod.getStatus().getPhase()).isEqualTo("Succeeded");
    ContainerStateTerminated terminated = pod.getStatus().getContainerStatuses().get(0).getState().getTerminated();
    assertThat(terminated.getExitCode()).isZero();
    assertThat(terminated.getReason()).isEqualTo("Completed");
    assertThat(terminated.getStartedAt()).isNotNull();
    assertThat(terminated.getFinishedAt()).isNotNull();
    assertThat(ControlPlane.containerLog(client, pod)).startsWith("user-data-purge ");
  }

  @Test
  void parallelPodsOfAJobRunAndTheFinishedJobIsDeletedAfterItsTtl() {
    Job job =
        client
            .batch()
            .v1()
            .jobs()
            .inNamespace(namespace)
            .resource(
                new JobBuilder()
                    .withNewMetadata()
                    .withName("parallel-with-ttl")
                    .endMetadata()
                    .withNewSpec()
                    .withCompletions(3)
                    .withParallelism(3)
                    .withTtlSecondsAfterFinished(2)
                    .withNewTemplate()
                    .withSpec(purgePod(List.of("--version")))
                    .endTemplate()
                    .endSpec()
                    .build())
            .create();

    Job complete =
        client
            .resource(job)
            .waitUntilCondition(j -> j == null || hasCondition(j, "Complete"), POD_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    assertThat(complete).as("Job completed before its TTL removed it").isNotNull();
    assertThat(complete.getStatus().getSucceeded()).isEqualTo(3);

    await().atMost(Duration.ofSeconds(30)).until(() -> client.resource(job).get() == null);
  }

  @Test
  void failedContainerReportsItsExitCodeAndLogTailAsTerminationMessage() {
    PodSpec spec = purgePod(List.of("--no-such-option"));
    spec.getContainers().get(0).setTerminationMessagePolicy("FallbackToLogsOnError");
    Pod pod = createPod("failing", spec);

    Pod done = awaitPod(pod, p -> "Failed".equals(p.getStatus().getPhase()));
    ContainerStateTerminated terminated = done.getStatus().getContainerStatuses().get(0).getState().getTerminated();
    assertThat(terminated.getExitCode()).isEqualTo(2);
    assertThat(terminated.getReason()).isEqualTo("Error");
    assertThat(terminated.getMessage()).contains("Unknown option").contains("--no-such-option");
  }

  @Test
  void purgeResultFileBecomesTheTerminationMessageWithEnvFromConfigMapAndSecret() {
    client
        .configMaps()
        .inNamespace(namespace)
        .resource(
            new ConfigMapBuilder()
                .withNewMetadata()
                .withName("pg-address")
                .endMetadata()
                .withData(Map.of("port", "1"))
                .build())
        .create();
    client
        .secrets()
        .inNamespace(namespace)
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName("pg-login")
                .endMetadata()
                .withStringData(Map.of("password", "s3cret-value"))
                .build())
        .create();
    PodSpec spec =
        purgePod(List.of("purge", "--table", "auth_user", "--result-file", "/dev/termination-log"));
    spec.getContainers()
        .get(0)
        .setEnv(
            List.of(
                new EnvVarBuilder().withName("PGHOST").withValue("127.0.0.1").build(),
                new EnvVarBuilder()
                    .withName("PGPORT")
                    .withNewValueFrom()
                    .withNewConfigMapKeyRef("port", "pg-address", false)
                    .endValueFrom()
                    .build(),
                new EnvVarBuilder().withName("PGDATABASE").withValue("app").build(),
                new EnvVarBuilder().withName("PGUSER").withValue("purger").build(),
                new EnvVarBuilder()
                    .withName("PGPASSWORD")
                    .withNewValueFrom()
                    .withNewSecretKeyRef("password", "pg-login", false)
                    .endValueFrom()
                    .build()));
    Pod pod = createPod("purge-unreachable-database", spec);

    Pod done = awaitPod(pod, p -> "Failed".equals(p.getStatus().getPhase()));
    ContainerStateTerminated terminated = done.getStatus().getContainerStatuses().get(0).getState().getTerminated();
    assertThat(terminated.getExitCode()).isEqualTo(4);
    assertThat(terminated.getReason()).isEqualTo("Error");
    assertThat(terminated.getMessage())
        .startsWith("{")
        .contains("\"reason\":\"ConnectionFailed\"")
        .contains("127.0.0.1:1 refused")
        .doesNotContain("s3cret-value");
  }

  @Test
  void deletingTheOwnerGarbageCollectsItsJob() {
    ConfigMap owner =
        client
            .configMaps()
            .inNamespace(namespace)
            .resource(new ConfigMapBuilder().withNewMetadata().withName("owner").endMetadata().build())
            .create();
    Job job =
        client
            .batch()
            .v1()
            .jobs()
            .inNamespace(namespace)
            .resource(
                new JobBuilder()
                    .withNewMetadata()
                    .withName("owned")
                    .addNewOwnerReference()
                    .withApiVersion("v1")
                    .withKind("ConfigMap")
                    .withName(owner.getMetadata().getName())
                    .withUid(owner.getMetadata().getUid())
                    .withController(true)
                    .withBlockOwnerDeletion(true)
                    .endOwnerReference()
                    .endMetadata()
                    .withNewSpec()
                    .withSuspend(true)
                    .withNewTemplate()
                    .withSpec(purgePod(List.of("--version")))
                    .endTemplate()
                    .endSpec()
                    .build())
            .create();

    client.resource(owner).delete();

    await().atMost(Duration.ofSeconds(60)).until(() -> client.resource(job).get() == null);
  }

  @Test
  void kubectlWithThePrintedKubeconfigShowsTheNodeReady() throws IOException, InterruptedException {
    String output =
        kubectl("--kubeconfig", ControlPlane.kubeconfig().toString(), "get", "nodes", "--no-headers");

    assertThat(output).containsPattern("(?m)^" + ControlPlane.NODE + "\\s+Ready\\s");
  }

  @Test
  void podReferencingAMissingSecretWaitsForItThenRuns() {
    PodSpec spec = purgePod(List.of("--version"));
    spec.getContainers().get(0).setEnv(
        List.of(
            new EnvVarBuilder()
                .withName("PGPASSWORD")
                .withNewValueFrom()
                .withNewSecretKeyRef("password", "pg-credentials", false)
                .endValueFrom()
                .build()));
    Pod pod = createPod("needs-secret", spec);

    Pod waiting = awaitPod(pod, p -> waiting(p) != null);
    assertThat(waiting.getStatus().getPhase()).isEqualTo("Pending");
    assertThat(waiting(waiting).getReason()).isEqualTo("CreateContainerConfigError");
    assertThat(waiting(waiting).getMessage()).isEqualTo("secret \"pg-credentials\" not found");

    client
        .secrets()
        .inNamespace(namespace)
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName("pg-credentials")
                .endMetadata()
                .withStringData(Map.of("password", "not-a-real-password"))
                .build())
        .create();

    awaitPod(pod, p -> "Succeeded".equals(p.getStatus().getPhase()));
  }

  @Test
  void deletingAPodOnTheNodeCompletesBecauseThePodRunnerConfirmsIt() {
    PodSpec spec = purgePod(List.of("--version"));
    spec.getContainers().get(0).setEnv(
        List.of(
            new EnvVarBuilder()
                .withName("PGPASSWORD")
                .withNewValueFrom()
                .withNewSecretKeyRef("password", "never-created", false)
                .endValueFrom()
                .build()));
    Pod pod = createPod("deleted-while-pending", spec);
    awaitPod(pod, p -> waiting(p) != null);

    client.resource(pod).withGracePeriod(30).delete();

    await().atMost(Duration.ofSeconds(20)).until(() -> client.resource(pod).get() == null);
  }

  @Test
  void deletingARunningPodStopsItsProcessWithSigtermWithoutWaitingForTheGracePeriod() throws Exception {
    // A "database" that accepts the purge's connection and never answers keeps the process
    // waiting (its login timeout is 15 s); its connection closes when the process dies.
    try (ServerSocket silentDatabase = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      CompletableFuture<Socket> connection =
          CompletableFuture.supplyAsync(
              () -> {
                try {
                  return silentDatabase.accept();
                } catch (IOException e) {
                  throw new UncheckedIOException(e);
                }
              });
      PodSpec spec = purgePod(List.of("purge", "--table", "auth_user", "--result-file", "/dev/termination-log"));
      spec.setTerminationGracePeriodSeconds(120L);
      spec.getContainers()
          .get(0)
          .setEnv(
              List.of(
                  new EnvVarBuilder().withName("PGHOST").withValue("127.0.0.1").build(),
                  new EnvVarBuilder().withName("PGPORT").withValue(String.valueOf(silentDatabase.getLocalPort())).build(),
                  new EnvVarBuilder().withName("PGDATABASE").withValue("app").build(),
                  new EnvVarBuilder().withName("PGUSER").withValue("purger").build(),
                  new EnvVarBuilder().withName("PGPASSWORD").withValue("unused").build()));
      Pod pod = createPod("deleted-while-running", spec);

      try (Socket purgeConnection = connection.get(POD_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
        awaitPod(pod, p -> "Running".equals(p.getStatus().getPhase()));

        client.resource(pod).delete();

        purgeConnection.setSoTimeout(10_000);
        assertThatCode(() -> purgeConnection.getInputStream().readAllBytes())
            .as("the process ended (its connection closed) within 10 s, not at its 15 s login timeout")
            .doesNotThrowAnyException();
      }
      await().atMost(Duration.ofSeconds(10)).until(() -> client.resource(pod).get() == null);
    }
  }

  @Test
  void serviceAccountClientHasExactlyTheRbacOfItsServiceAccount() {
    client
        .serviceAccounts()
        .inNamespace(namespace)
        .resource(new ServiceAccountBuilder().withNewMetadata().withName("reader").endMetadata().build())
        .create();
    try (KubernetesClient reader = ControlPlane.serviceAccountClient(client, namespace, "reader")) {
      assertThatThrownBy(() -> reader.pods().inNamespace(namespace).list())
          .isInstanceOfSatisfying(
              KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(403))
          .hasMessageContaining("system:serviceaccount:" + namespace + ":reader");

      client
          .rbac()
          .roles()
          .inNamespace(namespace)
          .resource(
              new RoleBuilder()
                  .withNewMetadata()
                  .withName("pod-reader")
                  .endMetadata()
                  .withRules(
                      new PolicyRuleBuilder()
                          .withApiGroups("")
                          .withResources("pods")
                          .withVerbs("get", "list")
                          .build())
                  .build())
          .create();
      client
          .rbac()
          .roleBindings()
          .inNamespace(namespace)
          .resource(
              new RoleBindingBuilder()
                  .withNewMetadata()
                  .withName("reader-reads-pods")
                  .endMetadata()
                  .withNewRoleRef("rbac.authorization.k8s.io", "Role", "pod-reader")
                  .addNewSubject()
                  .withKind("ServiceAccount")
                  .withName("reader")
                  .withNamespace(namespace)
                  .endSubject()
                  .build())
          .create();

      await()
          .atMost(Duration.ofSeconds(30))
          .ignoreException(KubernetesClientException.class)
          .until(() -> reader.pods().inNamespace(namespace).list() != null);
      assertThatThrownBy(() -> reader.secrets().inNamespace(namespace).list())
          .isInstanceOfSatisfying(
              KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(403));
    }
  }

  @Test
  void kubeconfigWrittenForAServiceAccountAuthenticatesKubectlAsIt(@TempDir Path dir)
      throws IOException, InterruptedException {
    client
        .serviceAccounts()
        .inNamespace(namespace)
        .resource(new ServiceAccountBuilder().withNewMetadata().withName("cli").endMetadata().build())
        .create();
    Path kubeconfig =
        ControlPlane.writeServiceAccountKubeconfig(client, namespace, "cli", dir.resolve("cli.kubeconfig"));

    String whoami = kubectl("--kubeconfig", kubeconfig.toString(), "auth", "whoami", "-o", "jsonpath={.status.userInfo.username}");

    assertThat(whoami).isEqualTo("system:serviceaccount:" + namespace + ":cli");
  }

  private static String kubectl(String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of("kubectl"));
    command.addAll(List.of(args));
    Process kubectl = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(kubectl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(kubectl.waitFor()).as(output).isZero();
    return output;
  }

  private static GenericKubernetesResource widget(String name, int min, int max) {
    return new GenericKubernetesResourceBuilder()
        .withApiVersion("controlplane.test.datapurge.io/v1")
        .withKind("Widget")
        .withNewMetadata()
        .withName(name)
        .endMetadata()
        .withAdditionalProperties(Map.of("spec", Map.of("min", min, "max", max)))
        .build();
  }

  private static PodSpec purgePod(List<String> args) {
    return new PodSpecBuilder()
        .withRestartPolicy("Never")
        .addNewContainer()
        .withName("purge")
        .withImage(IMAGE)
        .withArgs(args)
        .endContainer()
        .build();
  }

  private Pod createPod(String name, PodSpec spec) {
    return client
        .pods()
        .inNamespace(namespace)
        .resource(new PodBuilder().withNewMetadata().withName(name).endMetadata().withSpec(spec).build())
        .create();
  }

  private Pod awaitPod(Pod pod, Predicate<Pod> condition) {
    return client
        .resource(pod)
        .waitUntilCondition(
            p -> p != null && p.getStatus() != null && condition.test(p),
            POD_TIMEOUT.toSeconds(),
            TimeUnit.SECONDS);
  }

  private static ContainerStateWaiting waiting(Pod pod) {
    var statuses = pod.getStatus().getContainerStatuses();
    return statuses == null || statuses.isEmpty() ? null : statuses.get(0).getState().getWaiting();
  }

  private static boolean hasCondition(Job job, String type) {
    return job != null
        && job.getStatus() != null
        && job.getStatus().getConditions() != null
        && job.getStatus().getConditions().stream()
            .anyMatch(c -> c.getType().equals(type) && c.getStatus().equals("True"));
  }

  private Pod onlyPodOf(Job job) {
    List<Pod> pods =
        client
            .pods()
            .inNamespace(namespace)
            .withLabel("job-name", job.getMetadata().getName())
            .list()
            .getItems();
    assertThat(pods).hasSize(1);
    return pods.get(0);
  }
}
