package io.datapurge.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.ContainerStateWaiting;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceList;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodSpecBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobSpecBuilder;
import io.fabric8.kubernetes.api.model.rbac.PolicyRuleBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.MixedOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The local cluster behaves like a real one in the ways the operator depends on: its API server,
 * controllers, and one real node (kubelet on containerd, kube-proxy, bridge pod network).
 */
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
                    && c.getStatus().getConditions() != null // a new CRD's first status has none yet
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
  void jobCreatedThroughTheApiRunsTheImageOnTheNodeToComplete() {
    Job job = createJob("version", new JobSpecBuilder().withBackoffLimit(0), purgePod(List.of("--version")));

    await().atMost(POD_TIMEOUT).until(() -> hasCondition(client.resource(job).get(), "Complete"));
    Pod pod = onlyPodOf(job);
    assertThat(pod.getSpec().getNodeName()).isEqualTo(ControlPlane.NODE);
    assertThat(pod.getStatus().getPhase()).isEqualTo("Succeeded");
    ContainerStatus status = pod.getStatus().getContainerStatuses().get(0);
    assertThat(status.getImageID()).as("image the runtime pulled or loaded").isNotBlank();
    ContainerStateTerminated terminated = status.getState().getTerminated();
    assertThat(terminated.getExitCode()).isZero();
    assertThat(terminated.getReason()).isEqualTo("Completed");
    // The jar's manifest carries the pom's version (failsafe passes it); it used to print "dev".
    assertThat(ControlPlane.containerLog(client, pod))
        .isEqualTo("user-data-purge " + System.getProperty("project.version") + "\n");
  }

  @Test
  void purgeHelpInTheImagePrintsNoPicocliWarning() {
    String help = logOfSuccessfulPod("purge-help", restricted(purgePod(List.of("purge", "--help"))));
    assertThat(help).contains("Usage: user-data-purge purge").doesNotContain("[picocli WARN]");
    assertThat(help).containsPattern("80%\\s+of").doesNotContain("%%"); // the escaped % reads as one
  }

  @Test
  void parallelPodsOfAJobRunAndTheFinishedJobIsDeletedAfterItsTtl() {
    Job job =
        createJob(
            "parallel-with-ttl",
            new JobSpecBuilder().withCompletions(3).withParallelism(3).withTtlSecondsAfterFinished(2),
            purgePod(List.of("--version")));

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

    ContainerStateTerminated terminated = terminated(awaitPod(pod, p -> "Failed".equals(p.getStatus().getPhase())));
    assertThat(terminated.getExitCode()).isEqualTo(2);
    assertThat(terminated.getReason()).isEqualTo("Error");
    assertThat(terminated.getMessage()).contains("Unknown option").contains("--no-such-option");
  }

  @Test
  void restrictedPurgeReachesTheDatabaseWithEnvFromConfigMapAndSecretAndReportsThroughTheTerminationLog() {
    String database = PostgresServer.createDatabase("control_plane_it");
    try {
      PostgresServer.run(database, "create table auth_user (id int primary key); insert into auth_user values (1), (2), (3)");
      client.resource(new ConfigMapBuilder().withNewMetadata().withName("pg-address").withNamespace(namespace)
          .endMetadata().withData(Map.of("port", PostgresServer.port())).build()).create();
      client.resource(new SecretBuilder().withNewMetadata().withName("pg-login").withNamespace(namespace)
          .endMetadata().withStringData(Map.of("password", PostgresServer.password())).build()).create();
      // No --result-file: the purge writes /dev/termination-log, which the kubelet provides
      // (writable even though the root filesystem is read-only).
      PodSpec spec = restricted(purgePod(List.of("purge", "--table", "auth_user", "--confirm", database)));
      spec.getContainers().get(0).setEnv(List.of(
          env("PGHOST", PostgresServer.host()),
          new EnvVarBuilder().withName("PGPORT").withNewValueFrom()
              .withNewConfigMapKeyRef("port", "pg-address", false).endValueFrom().build(),
          env("PGDATABASE", database),
          env("PGUSER", PostgresServer.user()),
          new EnvVarBuilder().withName("PGPASSWORD").withNewValueFrom()
              .withNewSecretKeyRef("password", "pg-login", false).endValueFrom().build()));
      Pod pod = createPod("purge", spec);

      Pod done = awaitPod(pod, p -> terminated(p) != null);
      assertThat(terminated(done).getExitCode()).as(ControlPlane.containerLog(client, done)).isZero();
      assertThat(terminated(done).getMessage())
          .startsWith("{\"database\":\"" + database + "\"")
          .contains("\"committed\":true")
          .contains("\"totals\":{\"before\":3,\"after\":0,\"deleted\":3}");
      assertThat(PostgresServer.queryLong(database, "select count(*) from auth_user")).isZero();
    } finally {
      PostgresServer.dropDatabase(database);
    }
  }

  @Test
  void restrictedSecurityContextOfThePurgeJobIsEnforcedAndTheImageCompletesUnderIt() {
    PodSpec spec = restricted(purgePod(List.of()));
    spec.getContainers().get(0).setCommand(List.of("bash", "-c", String.join("; ",
        "echo uid=$(id -u) gid=$(id -g)",
        "grep -E '^(CapBnd|NoNewPrivs|Seccomp):' /proc/self/status",
        "touch /probe",
        "touch /tmp/probe && echo tmp-writable",
        "test -e /var/run/secrets/kubernetes.io/serviceaccount/token && echo token-mounted || echo no-token",
        "exec java -XX:-UsePerfData -jar /app/user-data-purge.jar --version")));
    String log = logOfSuccessfulPod("restricted", spec);
    assertThat(log)
        .contains("uid=65532 gid=65532")
        .containsPattern("CapBnd:\\s+0{16}\n") // not even in the bounding set
        .containsPattern("NoNewPrivs:\\s+1\n")
        .containsPattern("Seccomp:\\s+2\n") // 2: a seccomp filter is installed
        .contains("touch: cannot touch '/probe': Read-only file system")
        .contains("tmp-writable") // the Job's emptyDir
        .contains("no-token")
        .containsPattern("(?m)^user-data-purge ");
  }

  @Test
  void rootUserUnderRunAsNonRootIsRefusedByTheKubeletWhichThenConfirmsThePodsDeletion() {
    PodSpec spec = restricted(purgePod(List.of("--version")));
    spec.getContainers().get(0).getSecurityContext().setRunAsUser(0L);
    Pod pod = createPod("root", spec);

    ContainerStateWaiting refused = waiting(awaitPod(pod, p -> waiting(p) != null
        && "CreateContainerConfigError".equals(waiting(p).getReason())));
    assertThat(refused.getMessage()).contains("non-root");
    assertThat(client.resource(pod).get().getStatus().getPhase()).isEqualTo("Pending");

    // No container ever ran: the kubelet finishes the deletion at once, not after the grace period.
    client.resource(pod).withGracePeriod(60).delete();
    await().atMost(Duration.ofSeconds(20)).until(() -> client.resource(pod).get() == null);
  }

  @Test
  void podReachesTheApiServerThroughTheKubernetesServiceClusterIp() {
    PodSpec spec = purgePod(List.of());
    spec.getContainers().get(0).setCommand(List.of("bash", "-c", String.join("; ",
        "echo service=$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT",
        "test -s /var/run/secrets/kubernetes.io/serviceaccount/token && echo token-mounted",
        "exec 3<>/dev/tcp/$KUBERNETES_SERVICE_HOST/$KUBERNETES_SERVICE_PORT && echo connected")));
    String log = logOfSuccessfulPod("kubernetes-service", spec);
    String clusterIp = client.services().inNamespace("default").withName("kubernetes").get().getSpec().getClusterIP();
    // The API server listens on the bridge at another port: only kube-proxy's DNAT makes this connect.
    assertThat(client.getMasterUrl().getPort()).isNotEqualTo(443);
    assertThat(log).contains("service=" + clusterIp + ":443\n").contains("token-mounted\n").endsWith("connected\n");
  }

  @Test
  void deletingTheOwnerGarbageCollectsItsJob() {
    ConfigMap owner = client.resource(new ConfigMapBuilder().withNewMetadata().withName("owner")
        .withNamespace(namespace).endMetadata().build()).create();
    Job job = client.resource(new JobBuilder()
        .withNewMetadata().withName("owned").withNamespace(namespace).addNewOwnerReference().withApiVersion("v1")
        .withKind("ConfigMap").withName("owner").withUid(owner.getMetadata().getUid()).withController(true)
        .withBlockOwnerDeletion(true).endOwnerReference().endMetadata()
        .withNewSpec().withSuspend(true).withNewTemplate().withSpec(purgePod(List.of("--version"))).endTemplate().endSpec()
        .build()).create();

    client.resource(owner).delete();

    await().atMost(Duration.ofSeconds(60)).until(() -> client.resource(job).get() == null);
  }

  @Test
  void kubectlShowsTheNodeReadyOnContainerd() throws IOException, InterruptedException {
    String output =
        kubectl("--kubeconfig", ControlPlane.kubeconfig().toString(), "get", "nodes", "-o", "wide", "--no-headers");

    assertThat(output).containsPattern("(?m)^" + ControlPlane.NODE + "\\s+Ready\\s.*\\scontainerd://\\S+$");
  }

  @Test
  void podReferencingAMissingSecretWaitsForItThenRuns() {
    PodSpec spec = purgePod(List.of("--version"));
    spec.getContainers().get(0).setEnv(List.of(new EnvVarBuilder().withName("PGPASSWORD").withNewValueFrom()
        .withNewSecretKeyRef("password", "pg-credentials", false).endValueFrom().build()));
    Pod pod = createPod("needs-secret", spec);

    Pod waiting = awaitPod(pod, p -> waiting(p) != null && "CreateContainerConfigError".equals(waiting(p).getReason()));
    assertThat(waiting.getStatus().getPhase()).isEqualTo("Pending");
    assertThat(waiting(waiting).getMessage()).isEqualTo("secret \"pg-credentials\" not found");

    client.resource(new SecretBuilder().withNewMetadata().withName("pg-credentials").withNamespace(namespace)
        .endMetadata().withStringData(Map.of("password", "not-a-real-password")).build()).create();

    awaitPod(pod, p -> "Succeeded".equals(p.getStatus().getPhase()));
  }

  @Test
  void deletingARunningPodStopsItsProcessWithSigtermWithoutWaitingForTheGracePeriod() throws Exception {
    String database = PostgresServer.createDatabase("control_plane_it");
    try {
      PostgresServer.run(database, "create table auth_user (id int primary key); insert into auth_user values (1)");
      // The test holds the table's lock, so the purge waits for it (up to its 10 min lock timeout).
      try (Connection lock = PostgresServer.connect(database); Statement st = lock.createStatement()) {
        lock.setAutoCommit(false);
        st.execute("lock table auth_user in access exclusive mode");
        PodSpec spec = purgePod(List.of("purge", "--table", "auth_user", "--confirm", database, "--lock-timeout", "10m"));
        spec.setTerminationGracePeriodSeconds(120L);
        spec.getContainers().get(0).setEnv(PostgresServer.libpqEnv(database).entrySet().stream()
            .map(e -> env(e.getKey(), e.getValue())).toList());
        Pod pod = createPod("deleted-while-running", spec);
        await().atMost(POD_TIMEOUT).until(() -> PostgresServer.queryLong(database,
            "select count(*) from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'") == 1);

        client.resource(pod).delete();

        // Only SIGTERM ends it this early: the kubelet would send SIGKILL after 120 s.
        await().atMost(Duration.ofSeconds(30)).until(() -> client.resource(pod).get() == null);
        lock.rollback();
      }
      // The purge's backend, blocked on the lock, notices its client is gone once it gets the lock.
      await().atMost(Duration.ofSeconds(10)).until(() -> PostgresServer.queryLong(database,
          "select count(*) from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()") == 0);
      assertThat(PostgresServer.queryLong(database, "select count(*) from auth_user")).as("nothing committed").isEqualTo(1);
    } finally {
      PostgresServer.dropDatabase(database);
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

  /**
   * The pod {@code PurgeJob} builds for a purge (security contexts, no token, no service links, the
   * emptyDir /tmp, resources), running {@code spec}'s container args or command instead, with
   * {@code spec}'s env: the real Job spec, not a copy that could drift from it.
   */
  private static PodSpec restricted(PodSpec spec) {
    io.datapurge.api.DatabaseSpec db = new io.datapurge.api.DatabaseSpec();
    db.setHost("db.invalid");
    db.setName("probe");
    db.setCredentialsSecret(new io.datapurge.api.CredentialsSecret("unused"));
    io.datapurge.api.UserDataPurgeSpec purgeSpec = new io.datapurge.api.UserDataPurgeSpec();
    purgeSpec.setDatabase(db);
    purgeSpec.setTables(List.of("auth_user"));
    io.datapurge.api.UserDataPurge resource = new io.datapurge.api.UserDataPurge();
    resource.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMetaBuilder().withName("probe")
        .withNamespace("default").withUid("00000000-0000-4000-8000-000000000000").withGeneration(1L).build());
    resource.setSpec(purgeSpec);
    PodSpec pod = io.datapurge.operator.PurgeJob.desired(resource, io.datapurge.operator.RunMode.Plan,
        new io.datapurge.operator.OperatorSettings(IMAGE, java.util.regex.Pattern.compile("^$"),
            Duration.ofMinutes(5), Duration.ofMinutes(5)))
        .getSpec().getTemplate().getSpec();
    var container = pod.getContainers().get(0);
    var probe = spec.getContainers().get(0);
    container.setArgs(probe.getArgs());
    container.setCommand(probe.getCommand());
    container.setEnv(probe.getEnv());
    return pod;
  }

  private static EnvVar env(String name, String value) {
    return new EnvVarBuilder().withName(name).withValue(value).build();
  }

  private Job createJob(String name, JobSpecBuilder spec, PodSpec pod) {
    return client
        .batch()
        .v1()
        .jobs()
        .inNamespace(namespace)
        .resource(new JobBuilder().withNewMetadata().withName(name).endMetadata()
            .withSpec(spec.withNewTemplate().withSpec(pod).endTemplate().build()).build())
        .create();
  }

  private Pod createPod(String name, PodSpec spec) {
    return client
        .pods()
        .inNamespace(namespace)
        .resource(new PodBuilder().withNewMetadata().withName(name).endMetadata().withSpec(spec).build())
        .create();
  }

  /** Creates the pod, waits until its container ended with exit code 0, returns its log. */
  private String logOfSuccessfulPod(String name, PodSpec spec) {
    Pod done = awaitPod(createPod(name, spec), p -> terminated(p) != null);
    String log = ControlPlane.containerLog(client, done);
    assertThat(terminated(done).getExitCode()).as(log).isZero();
    return log;
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

  private static ContainerStateTerminated terminated(Pod pod) {
    var statuses = pod.getStatus().getContainerStatuses();
    return statuses == null || statuses.isEmpty() ? null : statuses.get(0).getState().getTerminated();
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
