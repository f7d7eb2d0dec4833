package io.datapurge.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.datapurge.api.ConcurrencyPolicy;
import io.datapurge.api.Phase;
import io.datapurge.api.UserDataPurge;
import io.datapurge.api.UserDataPurgeSchedule;
import io.datapurge.api.UserDataPurgeScheduleStatus;
import io.datapurge.api.UserDataPurgeStatus;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.processing.retry.GenericRetry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.FileInputStream;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The fast tier of {@link ScheduleReconciler}: the real JOSDK {@link Operator} against Fabric8's mock
 * API server in CRUD mode; the test plays the purge reconciler (it writes the runs' status). The
 * operator's clock runs a few seconds before a tick of an hourly schedule, so a tick comes in
 * seconds and only the requeue JOSDK was asked for wakes the schedule for it. The rules themselves
 * are walked in {@code ScheduleDecisionTest}; here: that the reconciler carries them out.
 */
class ScheduleReconcilerTest {

  static final String NS = "staging";
  static final String NAME = "reset-nightly";
  static final String KEY = NS + "/" + NAME;

  KubernetesMockServer server;
  KubernetesClient client;
  Operator operator;
  final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  /** The tick the operator's clock runs up to (an hour after the previous one: before the schedule existed). */
  final Instant tick = Instant.now().truncatedTo(ChronoUnit.MINUTES).plus(Duration.ofMinutes(10));
  Clock clock;

  @BeforeEach
  void apiServer() throws IOException {
    PurgeReconcilerTest.MOCK_LOG.setLevel(java.util.logging.Level.WARNING);
    Map<ServerRequest, Queue<ServerResponse>> expectations = new HashMap<>();
    server = new KubernetesMockServer(new io.fabric8.mockwebserver.Context(), new MockWebServer(), expectations,
        new KubernetesMixedDispatcher(expectations), false);
    server.init();
    client = server.createClient();
    for (String crd : List.of("crds/userdatapurges.datapurge.io-v1.yml", "crds/userdatapurgeschedules.datapurge.io-v1.yml")) {
      try (var in = new FileInputStream(crd)) {
        client.resource(client.getKubernetesSerialization().unmarshal(in, CustomResourceDefinition.class)).create();
      }
    }
    tickIn(Duration.ofSeconds(4));
  }

  @AfterEach
  void stop() {
    if (operator != null) {
      operator.stop();
    }
    client.close();
    server.destroy();
  }

  /** The operator's clock reaches {@link #tick} {@code lead} from now. */
  void tickIn(Duration lead) {
    clock = Clock.offset(Clock.systemUTC(), Duration.between(Instant.now(), tick.minus(lead)));
  }

  void startOperator(GenericRetry retry) {
    // The mock server does not implement server-side apply (415): status goes as a JSON patch here;
    // UserDataPurgeScheduleIT runs the operator as shipped, with SSA, against a real API server.
    operator = new Operator(o -> o.withKubernetesClient(client).withCloseClientOnStop(false)
        .withUseSSAToPatchPrimaryResource(false)
        .withReconciliationTerminationTimeout(Duration.ofSeconds(2)));
    operator.register(new ScheduleReconciler(new ScheduleMetrics(registry), clock), c -> {
      c.watchingAllNamespaces();
      if (retry != null) {
        c.withRetry(retry);
      }
    });
    operator.start();
  }

  @Test
  void theTimerJosdkWasAskedForCreatesTheTicksRunOnceWritesTheStatusAndRecordsIt() {
    UserDataPurgeSchedule s = apply(null);
    startOperator(null);

    UserDataPurgeScheduleStatus waiting = awaitStatus(st -> st.getNextScheduleTime() != null);
    assertThat(waiting.getNextScheduleTime()).isEqualTo(tick.toString());
    assertThat(waiting.condition("Ready").getReason()).isEqualTo("Scheduling");
    assertThat(runs()).as("before the tick").isEmpty();

    UserDataPurge run = await().atMost(Duration.ofSeconds(15)).until(this::runs, r -> !r.isEmpty()).get(0);
    assertThat(run.getMetadata().getName()).isEqualTo(ScheduleDecision.runName(NAME, tick));
    assertThat(run.getMetadata().getOwnerReferences()).singleElement()
        .satisfies(o -> assertThat(o.getUid()).isEqualTo(s.getMetadata().getUid()));
    assertThat(run.getSpec().getConfirm()).isEqualTo("pyfactor");

    UserDataPurgeScheduleStatus created = awaitStatus(st -> tick.toString().equals(st.getLastScheduleTime()));
    assertThat(created.getActive()).containsExactly(run.getMetadata().getName());
    assertThat(created.getLastRun().getPhase()).isEqualTo(Phase.Pending);
    assertThat(created.getNextScheduleTime()).isEqualTo(tick.plus(Duration.ofHours(1)).toString());
    await().untilAsserted(() -> assertThat(eventReasons()).containsExactly("Scheduled"));
    assertThat(counted("created")).isEqualTo(1.0);
    assertThat(registry.find("datapurge.schedule.next.tick").tag("schedule", KEY).gauge().value())
        .isEqualTo(tick.plus(Duration.ofHours(1)).getEpochSecond());

    finish(run.getMetadata().getName(), Phase.Succeeded);
    UserDataPurgeScheduleStatus done = awaitStatus(st -> st.getActive().isEmpty());
    assertThat(done.getLastRun().getPhase()).isEqualTo(Phase.Succeeded);
    await().untilAsserted(() -> assertThat(counted("succeeded")).isEqualTo(1.0));
    assertThat(runs()).hasSize(1);
    assertThat(eventReasons()).containsExactly("Scheduled");
  }

  @Test
  void finishedRunsBeyondTheHistoryLimitAreDeletedOldestFirst() {
    UserDataPurgeSchedule s = apply(spec -> spec.getSpec().setSuccessfulRunsHistoryLimit(1));
    for (int h = 3; h >= 1; h--) {
      createRun(s, tick.minus(Duration.ofHours(h)), Phase.Succeeded, true);
    }
    startOperator(null);

    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(runs()).extracting(r -> r.getMetadata().getName())
        .contains(ScheduleDecision.runName(NAME, tick.minus(Duration.ofHours(1))))
        .doesNotContain(ScheduleDecision.runName(NAME, tick.minus(Duration.ofHours(3))),
            ScheduleDecision.runName(NAME, tick.minus(Duration.ofHours(2)))));
  }

  @Test
  void aRunTheStatusListsButTheCacheHasNotSeenStillKeepsAForbidTickFromRunning() {
    UserDataPurgeSchedule s = apply(null);
    // Not labelled, so the operator's informer never shows it: only the status names it, as just after a create.
    UserDataPurge working = createRun(s, tick.minus(Duration.ofHours(1)), Phase.Running, false);
    UserDataPurgeScheduleStatus status = new UserDataPurgeScheduleStatus();
    status.setObservedGeneration(1L);
    status.setActive(List.of(working.getMetadata().getName()));
    s.setStatus(status);
    client.resource(s).updateStatus();
    tickIn(Duration.ofSeconds(1));
    startOperator(null);

    UserDataPurgeScheduleStatus skipped = awaitStatus(st -> st.getLastSkip() != null);
    assertThat(skipped.getLastSkip().getReason()).isEqualTo("ConcurrencyForbid");
    assertThat(skipped.getLastSkip().getScheduledTime()).isEqualTo(tick.toString());
    assertThat(client.resources(UserDataPurge.class).inNamespace(NS).withName(ScheduleDecision.runName(NAME, tick)).get())
        .isNull();
    await().untilAsserted(() -> assertThat(counted("skipped_concurrency_forbid")).isEqualTo(1.0));
  }

  @Test
  void aTickSkippedAtTheFirstReconcileIsOneEventAndOneCount() {
    UserDataPurgeSchedule s = apply(null);
    createRun(s, tick.minus(Duration.ofHours(1)), Phase.Running, true);
    tickIn(Duration.ofSeconds(-1)); // the tick passed a second ago: the first reconcile skips it
    startOperator(null);

    UserDataPurgeScheduleStatus skipped = awaitStatus(st -> st.getLastSkip() != null
        && "Scheduling".equals(st.condition("Ready").getReason()));
    assertThat(skipped.getLastSkip().getReason()).isEqualTo("ConcurrencyForbid");
    assertThat(eventReasons()).containsExactly("SkippedConcurrencyForbid");
    assertThat(counted("skipped_concurrency_forbid")).isEqualTo(1.0);
  }

  @Test
  void replaceDeletesTheWorkingRunThenCreatesTheTicksRun() {
    UserDataPurgeSchedule s = apply(spec -> spec.getSpec().setConcurrencyPolicy(ConcurrencyPolicy.Replace));
    UserDataPurge working = createRun(s, tick.minus(Duration.ofHours(1)), Phase.Running, true);
    tickIn(Duration.ofSeconds(1));
    startOperator(null);

    await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(runs()).extracting(r -> r.getMetadata().getName())
        .containsExactly(ScheduleDecision.runName(NAME, tick)));
    assertThat(client.resources(UserDataPurge.class).inNamespace(NS).withName(working.getMetadata().getName()).get()).isNull();
    await().untilAsserted(() -> assertThat(eventReasons()).containsExactly("Replacing", "Scheduled"));
    assertThat(counted("replaced")).isEqualTo(1.0);
  }

  @Test
  void aRunOfTheTicksNameThatAlreadyExistsIsNotCreatedTwiceAndIsNoError() {
    apply(null);
    UserDataPurge existing = Resources.purge(ScheduleDecision.runName(NAME, tick), "pyfactor", "pyfactor");
    existing.setMetadata(new ObjectMetaBuilder().withName(ScheduleDecision.runName(NAME, tick)).withNamespace(NS).build());
    client.resource(existing).create();
    tickIn(Duration.ofSeconds(1));
    startOperator(null);

    UserDataPurgeScheduleStatus created = awaitStatus(st -> tick.toString().equals(st.getLastScheduleTime()));
    assertThat(created.condition("Ready").getReason()).isEqualTo("Scheduling");
    assertThat(client.resources(UserDataPurge.class).inNamespace(NS).withName(existing.getMetadata().getName()).get()
        .getMetadata().getOwnerReferences()).as("the one that was there").isNullOrEmpty();
  }

  @Test
  void aRunTheApiRefusesShowsReconcileErrorAndWhetherRetriesRemain() {
    server.expect().post().withPath("/apis/datapurge.io/v1alpha1/namespaces/" + NS + "/userdatapurges")
        .andReturn(403, Map.of("kind", "Status", "code", 403, "reason", "Forbidden",
            "message", "userdatapurges.datapurge.io is forbidden")).always();
    apply(null);
    List<String> messages = new CopyOnWriteArrayList<>();
    var watch = client.resources(UserDataPurgeSchedule.class).inNamespace(NS).withName(NAME).watch(new Watcher<>() {
      @Override
      public void eventReceived(Action action, UserDataPurgeSchedule r) {
        if (r.getStatus() != null && r.getStatus().condition("Ready") != null) {
          messages.add(r.getStatus().condition("Ready").getMessage());
        }
      }

      @Override
      public void onClose(WatcherException cause) {}
    });
    tickIn(Duration.ofSeconds(1));
    startOperator(new GenericRetry().setMaxAttempts(1).setInitialInterval(50).setIntervalMultiplier(1));

    UserDataPurgeScheduleStatus gaveUp = awaitStatus(st -> st.condition("Ready") != null
        && st.condition("Ready").getMessage().contains("no retries left"));
    assertThat(gaveUp.condition("Ready").getStatus()).isEqualTo("False");
    assertThat(gaveUp.condition("Ready").getReason()).isEqualTo("ReconcileError");
    assertThat(gaveUp.condition("Ready").getMessage()).contains("userdatapurges.datapurge.io is forbidden");
    assertThat(messages).anySatisfy(m -> assertThat(m).contains("(attempt 1, retrying)"));
    assertThat(runs()).isEmpty();
    watch.close();
  }

  // --- the test's side: the schedule's author and the purge reconciler

  UserDataPurgeSchedule apply(Consumer<UserDataPurgeSchedule> change) {
    UserDataPurgeSchedule s = ScheduleDecisionTest.schedule(tick.atZone(ZoneOffset.UTC).getMinute() + " * * * *", null);
    s.setMetadata(new ObjectMetaBuilder().withName(NAME).withNamespace(NS).build());
    if (change != null) {
      change.accept(s);
    }
    return client.resource(s).create();
  }

  UserDataPurge createRun(UserDataPurgeSchedule s, Instant at, Phase phase, boolean labelled) {
    UserDataPurge run = ScheduleDecision.run(s, at);
    if (!labelled) {
      run.getMetadata().setLabels(Map.of());
    }
    run = client.resource(run).create();
    finish(run.getMetadata().getName(), phase);
    return run;
  }

  void finish(String run, Phase phase) {
    UserDataPurge current = client.resources(UserDataPurge.class).inNamespace(NS).withName(run).get();
    UserDataPurgeStatus status = new UserDataPurgeStatus();
    status.setPhase(phase);
    status.setObservedGeneration(current.getMetadata().getGeneration());
    status.setCompletionTime(phase.isFinal() ? tick.toString() : null);
    current.setStatus(status);
    client.resource(current).updateStatus();
  }

  List<UserDataPurge> runs() {
    return client.resources(UserDataPurge.class).inNamespace(NS).list().getItems();
  }

  UserDataPurgeScheduleStatus awaitStatus(Predicate<UserDataPurgeScheduleStatus> until) {
    return await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(20)).until(() -> {
      UserDataPurgeSchedule s = client.resources(UserDataPurgeSchedule.class).inNamespace(NS).withName(NAME).get();
      return s.getStatus();
    }, st -> st != null && until.test(st));
  }

  List<String> eventReasons() {
    return client.v1().events().inNamespace(NS).list().getItems().stream()
        .filter(e -> NAME.equals(e.getInvolvedObject().getName()))
        .sorted(java.util.Comparator.comparing(e -> e.getMetadata().getResourceVersion(),
            java.util.Comparator.comparingLong(Long::parseLong)))
        .map(Event::getReason).toList();
  }

  double counted(String outcome) {
    var counter = registry.find("datapurge.schedule.runs").tags("schedule", KEY, "outcome", outcome).counter();
    return counter == null ? 0 : counter.count();
  }
}
