package io.datapurge.operator;

import static io.datapurge.operator.RunStatusTest.PLAN_RESULT;
import static io.datapurge.operator.RunStatusTest.PURGE_RESULT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.datapurge.api.Phase;
import io.datapurge.api.UserDataPurge;
import io.datapurge.api.UserDataPurgeStatus;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.processing.retry.GenericRetry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.FileInputStream;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The fast reconcile tier: the real JOSDK {@link Operator} with {@link PurgeReconciler} against
 * Fabric8's mock API server in CRUD mode. The test plays the Job controller and the kubelet (it
 * writes the Job's conditions and the pod's termination message), so a run goes through every phase
 * in seconds, without the plane.
 */
class PurgeReconcilerTest {

  static final String NS = "staging";
  static final Instant NOW = Instant.parse("2026-11-26T05:00:00Z");

  /** Held, so the level set on it stays: the mock server logs every request at INFO. */
  static final java.util.logging.Logger MOCK_LOG = java.util.logging.Logger.getLogger("io.fabric8.mockwebserver");

  KubernetesMockServer server;
  KubernetesClient client;
  Operator operator;
  final SimpleMeterRegistry registry = new SimpleMeterRegistry();

  @BeforeEach
  void apiServer() throws IOException {
    MOCK_LOG.setLevel(java.util.logging.Level.WARNING);
    Map<ServerRequest, Queue<ServerResponse>> expectations = new HashMap<>();
    server = new KubernetesMockServer(new io.fabric8.mockwebserver.Context(), new MockWebServer(), expectations,
        new KubernetesMixedDispatcher(expectations), false);
    server.init();
    client = server.createClient();
    try (var crd = new FileInputStream("crds/userdatapurges.datapurge.io-v1.yml")) {
      client.resource(client.getKubernetesSerialization().unmarshal(crd, CustomResourceDefinition.class)).create();
    }
  }

  @AfterEach
  void stop() {
    if (operator != null) {
      operator.stop();
    }
    client.close();
    server.destroy();
  }

  void startOperator(GenericRetry retry) {
    // The mock server does not implement server-side apply (415): status goes as a JSON patch here;
    // the *IT tiers run the operator as shipped, with SSA, against a real API server.
    operator = new Operator(o -> o.withKubernetesClient(client).withCloseClientOnStop(false)
        .withUseSSAToPatchPrimaryResource(false)
        .withReconciliationTerminationTimeout(Duration.ofSeconds(2)));
    operator.register(new PurgeReconciler(Resources.SETTINGS, new PurgeMetrics(registry),
        Clock.fixed(NOW, ZoneOffset.UTC)), c -> {
          c.watchingAllNamespaces();
          if (retry != null) {
            c.withRetry(retry);
          }
        });
    operator.start();
  }

  @Test
  void planAwaitsConfirmationThenTheConfirmedPurgeSucceedsWithOneEventPerPhase() {
    startOperator(null);
    apply("reset", null);

    Job plan = awaitJob("reset", "-plan-");
    assertThat(awaitStatus("reset", s -> s.getPhase() == Phase.Planning).getJobName())
        .isEqualTo(plan.getMetadata().getName());
    assertThat(plan.getMetadata().getOwnerReferences()).singleElement()
        .satisfies(o -> assertThat(o.getName()).isEqualTo("reset"));
    podRunning(plan); // a pod update that changes nothing must not repeat the Planning Event
    finish(plan, "Succeeded", 0, PLAN_RESULT);

    UserDataPurgeStatus awaiting = awaitStatus("reset", s -> s.getPhase() == Phase.AwaitingConfirmation);
    assertThat(awaiting.getTotals().getBefore()).isEqualTo(1240L);
    assertThat(awaiting.getDryRun()).isTrue();
    assertThat(awaiting.condition("Ready").getStatus()).isEqualTo("True");
    assertThat(awaiting.condition("Ready").getLastTransitionTime()).isEqualTo(NOW.toString());

    edit("reset", r -> r.getSpec().setConfirm("pyfactor"));
    Job purge = awaitJob("reset", "-purge-");
    assertThat(awaitStatus("reset", s -> s.getPhase() == Phase.Running).getObservedGeneration()).isEqualTo(2L);
    finish(purge, "Succeeded", 0, PURGE_RESULT);

    UserDataPurgeStatus done = awaitStatus("reset", s -> s.getPhase() == Phase.Succeeded);
    assertThat(done.getTotals().getAfter()).isZero();
    assertThat(done.getJobName()).isEqualTo(purge.getMetadata().getName());
    assertThat(done.getMessage()).startsWith("Purged pyfactor: 1240 rows deleted");
    assertThat(jobs("reset")).hasSize(2);
    await().untilAsserted(() -> assertThat(eventReasons("reset"))
        .containsExactly("Planning", "AwaitingConfirmation", "Running", "Succeeded"));
    assertThat(eventTypes("reset")).containsOnly("Normal");
    assertThat(registry.counter("datapurge.rows.deleted").count()).isEqualTo(1240.0);
    assertThat(registry.counter("datapurge.runs", "outcome", "planned").count()).isEqualTo(1.0);
    assertThat(registry.counter("datapurge.runs", "outcome", "succeeded").count()).isEqualTo(1.0);
  }

  @Test
  void jobOfTheRunsNameThatTheCacheHasNotSeenIsAdoptedAndReadFromTheApiNotDuplicated() {
    // Unlabelled, the Job never reaches the informer: its create answers 409, and every later
    // reconcile must find it through the API, as after a restart or with a lagging cache.
    UserDataPurge resource = apply("restart", "pyfactor");
    String name = JobNames.of(resource, RunMode.Purge);
    Job earlier = PurgeJob.desired(resource, RunMode.Purge, Resources.SETTINGS);
    earlier.getMetadata().setLabels(null);
    earlier.getMetadata().setAnnotations(Map.of("made-by", "an-earlier-operator"));
    Job existing = client.resource(earlier).create();
    forgetRequests();
    startOperator(null);

    UserDataPurgeStatus running = awaitStatus("restart", s -> s.getPhase() == Phase.Running);
    assertThat(running.getJobName()).isEqualTo(name);
    assertThat(jobs("restart")).singleElement()
        .satisfies(j -> assertThat(j.getMetadata().getAnnotations()).containsEntry("made-by", "an-earlier-operator"));
    assertThat(requests("POST", "/jobs")).as("one create, answered 409").hasSize(1);

    finish(existing, "Succeeded", 0, PURGE_RESULT);
    UserDataPurgeStatus done = awaitStatus("restart", s -> s.getPhase() == Phase.Succeeded);
    assertThat(done.getTotals().getBefore()).isEqualTo(1240L);
    assertThat(jobs("restart")).hasSize(1);
    assertThat(requests("GET", "/jobs/" + name)).isNotEmpty();
  }

  @Test
  void jobDeletedBeforeItsResultWasReadFailsWithJobLostAndIsNotRecreated() {
    startOperator(null);
    apply("lost", "pyfactor");
    Job job = awaitJob("lost", "-purge-");
    awaitStatus("lost", s -> s.getPhase() == Phase.Running);

    client.resource(job).withGracePeriod(0).delete();
    await().until(() -> jobs("lost").isEmpty());
    podRunning(job); // an event for the resource; the informer already forgot the Job

    UserDataPurgeStatus lost = awaitStatus("lost", s -> s.getPhase() == Phase.Failed);
    assertThat(lost.getReason()).isEqualTo("JobLost");
    assertThat(lost.getMessage()).contains(job.getMetadata().getName(), "spec.runId");
    assertThat(lost.condition("Stalled").getStatus()).isEqualTo("True");
    assertThat(jobs("lost")).as("never re-created: it may have purged").isEmpty();
    await().untilAsserted(() -> assertThat(eventTypes("lost")).endsWith("Warning"));
  }

  @Test
  void removingConfirmDuringTheRunDeletesItsJobInTheForegroundAndPlansInstead() {
    startOperator(null);
    apply("cancel", "pyfactor");
    Job purge = awaitJob("cancel", "-purge-");
    awaitStatus("cancel", s -> s.getPhase() == Phase.Running);

    edit("cancel", r -> r.getSpec().setConfirm(null));
    Job plan = awaitJob("cancel", "-plan-");
    UserDataPurgeStatus planning = awaitStatus("cancel", s -> s.getPhase() == Phase.Planning);
    assertThat(planning.getJobName()).isEqualTo(plan.getMetadata().getName());
    assertThat(planning.getObservedGeneration()).isEqualTo(2L);
    // A reconcile on a stale cache may delete it again: harmless, and always in the foreground.
    assertThat(requests("DELETE", "/jobs/" + purge.getMetadata().getName())).isNotEmpty()
        .allSatisfy(r -> assertThat(r.getUtf8Body()).contains("\"propagationPolicy\":\"Foreground\""));
    assertThat(requests("DELETE", "/jobs/" + plan.getMetadata().getName())).isEmpty();
  }

  @Test
  void specRefusedDuringTheRunEndsTheRunAndIsBlockedWithoutAJob() {
    startOperator(null);
    apply("refused", "pyfactor");
    Job purge = awaitJob("refused", "-purge-");
    awaitStatus("refused", s -> s.getPhase() == Phase.Running);

    edit("refused", r -> r.getSpec().setConfirm("someotherdb"));
    UserDataPurgeStatus blocked = awaitStatus("refused", s -> s.getPhase() == Phase.Blocked);
    assertThat(blocked.getReason()).isEqualTo("ConfirmationMismatch");
    assertThat(requests("DELETE", "/jobs/" + purge.getMetadata().getName())).isNotEmpty();
    assertThat(requests("POST", "/jobs")).as("no Job for the refused spec").hasSize(1);
  }

  @Test
  void finishedJobsResultIsReadFromTheApiWhenThePodCacheHasNotSeenThePod() {
    startOperator(null);
    apply("lagging", null);
    Job plan = awaitJob("lagging", "-plan-");
    awaitStatus("lagging", s -> s.getPhase() == Phase.Planning);

    Pod unseen = pod(plan, "Succeeded");
    unseen.getMetadata().getLabels().remove(PurgeJob.MANAGED_BY); // outside the pod informer's selector
    unseen.getStatus().getContainerStatuses().add(new io.fabric8.kubernetes.api.model.ContainerStatusBuilder()
        .withName("purge").withNewState().withNewTerminated().withExitCode(0).withMessage(PLAN_RESULT)
        .endTerminated().endState().build());
    client.resource(unseen).create();
    jobEnds(plan, "Complete");

    UserDataPurgeStatus awaiting = awaitStatus("lagging", s -> s.getPhase() == Phase.AwaitingConfirmation);
    assertThat(awaiting.getTotals().getBefore()).isEqualTo(1240L);
  }

  @Test
  void failingReconcileShowsAnErrorStatusThatSaysWhetherRetriesRemain() {
    server.expect().post().withPath("/apis/batch/v1/namespaces/" + NS + "/jobs")
        .andReturn(403, Map.of("kind", "Status", "code", 403, "reason", "Forbidden",
            "message", "jobs.batch is forbidden: cannot create resource jobs")).always();
    List<String> messages = new java.util.concurrent.CopyOnWriteArrayList<>();
    var watch = client.resources(UserDataPurge.class).inNamespace(NS).withName("broken").watch(
        new io.fabric8.kubernetes.client.Watcher<UserDataPurge>() {
          @Override
          public void eventReceived(Action action, UserDataPurge r) {
            if (r.getStatus() != null) {
              messages.add(r.getStatus().getMessage());
            }
          }

          @Override
          public void onClose(io.fabric8.kubernetes.client.WatcherException cause) {}
        });
    startOperator(new GenericRetry().setMaxAttempts(2).setInitialInterval(50).setIntervalMultiplier(1));
    apply("broken", null);

    UserDataPurgeStatus retrying = awaitStatus("broken", s -> "ReconcileError".equals(s.getReason()));
    assertThat(retrying.getPhase()).isEqualTo(Phase.Pending);
    assertThat(retrying.getObservedGeneration()).isEqualTo(1L);
    assertThat(retrying.condition("Reconciling").getStatus()).isEqualTo("True");
    assertThat(retrying.condition("Ready").getStatus()).isEqualTo("False");
    UserDataPurgeStatus gaveUp = awaitStatus("broken", s -> s.getMessage() != null
        && s.getMessage().contains("no retries left"));
    assertThat(gaveUp.getMessage()).contains("could not reconcile", "jobs.batch is forbidden");
    assertThat(jobs("broken")).isEmpty();
    assertThat(messages).as("each attempt says what follows")
        .anySatisfy(b -> assertThat(b).endsWith("(attempt 1, retrying)."))
        .anySatisfy(b -> assertThat(b).endsWith("(attempt 2, retrying)."))
        .anySatisfy(b -> assertThat(b).contains("(attempt 3, no retries left"));
    watch.close();
  }

  // --- the test's side of the cluster: the resource's author, the Job controller and the kubelet

  UserDataPurge apply(String name, String confirm) {
    UserDataPurge resource = Resources.purge(name, "pyfactor", confirm);
    resource.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(NS).build());
    return client.resource(resource).create();
  }

  /** As kubectl edit: read, change, write with the read's resourceVersion; again on a 409 (the operator wrote status). */
  void edit(String name, Consumer<UserDataPurge> change) {
    for (int attempt = 1; ; attempt++) {
      try {
        client.resources(UserDataPurge.class).inNamespace(NS).withName(name).edit(r -> {
          change.accept(r);
          return r;
        });
        return;
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409 || attempt == 5) throw e;
      }
    }
  }

  UserDataPurgeStatus awaitStatus(String name, java.util.function.Predicate<UserDataPurgeStatus> wanted) {
    List<UserDataPurgeStatus> seen = new ArrayList<>();
    await().atMost(10, TimeUnit.SECONDS).pollInterval(Duration.ofMillis(20)).until(() -> {
      UserDataPurgeStatus s = client.resources(UserDataPurge.class).inNamespace(NS).withName(name).get().getStatus();
      if (s != null) {
        seen.add(s);
      }
      return s != null && wanted.test(s);
    });
    return seen.get(seen.size() - 1);
  }

  Job awaitJob(String resource, String mode) {
    await().atMost(10, TimeUnit.SECONDS).until(() -> jobs(resource).stream()
        .anyMatch(j -> j.getMetadata().getName().contains(mode)));
    return jobs(resource).stream().filter(j -> j.getMetadata().getName().contains(mode)).findFirst().orElseThrow();
  }

  List<Job> jobs(String resource) {
    return client.batch().v1().jobs().inNamespace(NS).list().getItems().stream()
        .filter(j -> j.getMetadata().getName().startsWith(resource + "-")).toList();
  }

  /** The Job's pod as the kubelet shows it: running, or ended with the result in its termination message. */
  Pod pod(Job job, String phase) {
    var template = job.getSpec().getTemplate().getMetadata();
    Map<String, String> labels = new HashMap<>(template == null || template.getLabels() == null
        ? Map.of() : template.getLabels());
    labels.put("job-name", job.getMetadata().getName());
    return new PodBuilder().withNewMetadata().withName(job.getMetadata().getName() + "-x").withNamespace(NS)
        .withLabels(labels).withAnnotations(template == null ? null : template.getAnnotations()).endMetadata()
        .withNewStatus().withPhase(phase).endStatus().build();
  }

  void podRunning(Job job) {
    Pod pod = pod(job, "Running");
    pod.getStatus().getContainerStatuses().add(new io.fabric8.kubernetes.api.model.ContainerStatusBuilder()
        .withName("purge").withNewState().withNewRunning().withStartedAt(NOW.toString()).endRunning().endState().build());
    client.resource(pod).createOr(existing -> existing.update());
  }

  void finish(Job job, String phase, int exitCode, String result) {
    Pod pod = pod(job, phase);
    pod.getStatus().getContainerStatuses().add(new io.fabric8.kubernetes.api.model.ContainerStatusBuilder()
        .withName("purge").withNewState().withNewTerminated().withExitCode(exitCode).withMessage(result)
        .withFinishedAt("2026-11-26T05:00:08Z").endTerminated().endState().build());
    client.resource(pod).createOr(existing -> existing.update());
    jobEnds(job, "Succeeded".equals(phase) ? "Complete" : "Failed");
  }

  void jobEnds(Job job, String condition) {
    Job done = client.batch().v1().jobs().inNamespace(NS).withName(job.getMetadata().getName()).get();
    done.setStatus(new io.fabric8.kubernetes.api.model.batch.v1.JobStatusBuilder().withStartTime("2026-11-26T05:00:01Z")
        .addNewCondition().withType(condition).withStatus("True")
        .withLastTransitionTime("2026-11-26T05:00:09Z").endCondition().build());
    client.resource(done).updateStatus();
  }

  List<Event> events(String resource) {
    return client.v1().events().inNamespace(NS).list().getItems().stream()
        .filter(e -> resource.equals(e.getInvolvedObject().getName()))
        .sorted(java.util.Comparator.comparing(e -> e.getMetadata().getResourceVersion(),
            java.util.Comparator.comparingLong(Long::parseLong)))
        .toList();
  }

  List<String> eventReasons(String resource) {
    return events(resource).stream().map(Event::getReason).toList();
  }

  List<String> eventTypes(String resource) {
    return events(resource).stream().map(Event::getType).toList();
  }

  final List<RecordedRequest> recorded = new ArrayList<>();
  int since;

  /** From now on, {@link #requests} shows only what follows (the test's own arrangements are not the operator's). */
  void forgetRequests() {
    requests("", "");
    since = recorded.size();
  }

  /** Requests the operator made, by method and path suffix (query ignored). */
  List<RecordedRequest> requests(String method, String pathSuffix) {
    int count = server.getRequestCount();
    try {
      while (recorded.size() < count) {
        recorded.add(server.takeRequest(1, TimeUnit.SECONDS));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return recorded.subList(since, recorded.size()).stream().filter(r -> r != null && method.equals(r.getMethod())
        && r.getPath().split("\\?")[0].endsWith(pathSuffix)).toList();
  }
}
