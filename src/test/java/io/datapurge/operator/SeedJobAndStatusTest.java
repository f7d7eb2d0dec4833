package io.datapurge.operator;

import static org.assertj.core.api.Assertions.assertThat;

import io.datapurge.api.Phase;
import io.datapurge.api.SeedSource;
import io.datapurge.api.TableStatus;
import io.datapurge.api.UserDataPurge;
import io.datapurge.api.UserDataPurgeStatus;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.util.List;
import org.assertj.core.groups.Tuple;
import org.junit.jupiter.api.Test;

/** spec.seed: how the Job mounts it, how a missing ConfigMap shows, and the seeded counts in status. */
class SeedJobAndStatusTest {

  static UserDataPurge withSeed(String confirm, SeedSource... seed) {
    UserDataPurge resource = Resources.purge("reset", "pyfactor", confirm);
    resource.getSpec().setSeed(List.of(seed));
    return resource;
  }

  static final String POD = "reset-purge-0123456789-abcde";

  static Pod creating() {
    return new PodBuilder().withNewMetadata().withName(POD).endMetadata().withNewStatus().withPhase("Pending")
        .addNewContainerStatus().withName("purge").withNewState().withNewWaiting().withReason("ContainerCreating")
        .endWaiting().endState().endContainerStatus().endStatus().build();
  }

  static Pod running() {
    return new PodBuilder().withNewMetadata().withName(POD).endMetadata().withNewStatus().withPhase("Running")
        .addNewContainerStatus().withName("purge").withNewState().withNewRunning().endRunning().endState()
        .endContainerStatus().endStatus().build();
  }

  static Event failedMount(String message) {
    return new EventBuilder().withReason("FailedMount").withMessage(message).withNewInvolvedObject().withKind("Pod")
        .withName(POD).withNamespace("staging").endInvolvedObject().build();
  }

  @Test
  void jobMountsEachSeedKeyReadOnlyAndPassesTheFilesInOrder() {
    UserDataPurge resource = withSeed("pyfactor", new SeedSource("seed-admin", "admin.sql"),
        new SeedSource("golden", "dump.sql"));
    resource.getSpec().setResetSequences(true);
    Job job = PurgeJob.desired(resource, RunMode.Purge, Resources.SETTINGS);
    var pod = job.getSpec().getTemplate().getSpec();
    Volume seed = pod.getVolumes().stream().filter(v -> v.getName().equals("seed")).findFirst().orElseThrow();
    assertThat(seed.getProjected().getSources()).extracting(s -> s.getConfigMap().getName(),
            s -> s.getConfigMap().getItems().get(0).getKey(), s -> s.getConfigMap().getItems().get(0).getPath())
        .containsExactly(Tuple.tuple("seed-admin", "admin.sql", "0/admin.sql"), Tuple.tuple("golden", "dump.sql", "1/dump.sql"));
    assertThat(seed.getProjected().getSources()).allSatisfy(s -> assertThat(s.getConfigMap().getOptional()).isNull());
    assertThat(pod.getContainers().get(0).getVolumeMounts()).filteredOn(m -> m.getName().equals("seed"))
        .singleElement().satisfies(m -> {
          assertThat(m.getMountPath()).isEqualTo("/etc/datapurge/seed");
          assertThat(m.getReadOnly()).isTrue();
        });
    List<String> args = pod.getContainers().get(0).getArgs();
    assertThat(String.join(" ", args)).contains("--seed-file /etc/datapurge/seed/0/admin.sql --seed-file"
        + " /etc/datapurge/seed/1/dump.sql").contains("--reset-sequences");
    assertThat(PurgeJob.desired(resource, RunMode.Plan, Resources.SETTINGS).getSpec().getTemplate().getSpec()
        .getContainers().get(0).getArgs()).as("a plan parses the seed, restarts nothing")
        .contains("--seed-file", "--dry-run").doesNotContain("--reset-sequences");
    assertThat(PurgeJob.desired(Resources.purge("reset", "pyfactor", "pyfactor"), RunMode.Purge, Resources.SETTINGS)
        .getSpec().getTemplate().getSpec().getVolumes()).extracting(Volume::getName).doesNotContain("seed");
  }

  @Test
  void aPodWaitingForAMissingSeedConfigMapNamesItAndTheFix() {
    UserDataPurge resource = withSeed("pyfactor", new SeedSource("seed-admin", "admin.sql"));
    UserDataPurgeStatus status = RunStatus.of(resource, RunMode.Purge, RunStatusTest.job(null, null),
        List.of(creating()), List.of(failedMount("MountVolume.SetUp failed for volume \"seed\" : configmap \"seed-admin\" not found")));
    assertThat(status.getPhase()).isEqualTo(Phase.Running);
    assertThat(status.getReason()).isEqualTo("ConfigMapNotFound");
    assertThat(status.getMessage()).contains("ConfigMap seed-admin with key admin.sql", "spec.seed[0]",
        "does not exist", "Create it in namespace staging", "starts as soon as it exists");
    Conditions.apply(status, 1, null);
    assertThat(status.condition("Ready").getReason()).isEqualTo("ConfigMapNotFound");
    assertThat(status.condition("Stalled").getStatus()).isEqualTo("False");
  }

  @Test
  void aMissingKeyIsNamedToo() {
    UserDataPurge resource = withSeed("pyfactor", new SeedSource("golden", "dump.sql"),
        new SeedSource("seed-admin", "admin.sql"));
    UserDataPurgeStatus status = RunStatus.of(resource, RunMode.Plan, RunStatusTest.job(null, null), List.of(creating()),
        List.of(failedMount("MountVolume.SetUp failed for volume \"seed\" : configmap references non-existent config key: admin.sql")));
    assertThat(status.getReason()).isEqualTo("ConfigMapNotFound");
    assertThat(status.getMessage()).contains("ConfigMap seed-admin with key admin.sql", "spec.seed[1]", "has no key admin.sql");
  }

  @Test
  void aStaleMountFailureOnceThePodRunsOrAnotherPodsEventChangeNothing() {
    UserDataPurge resource = withSeed("pyfactor", new SeedSource("seed-admin", "admin.sql"));
    Event stale = failedMount("MountVolume.SetUp failed for volume \"seed\" : configmap \"seed-admin\" not found");
    assertThat(RunStatus.of(resource, RunMode.Purge, RunStatusTest.job(null, null), List.of(running()), List.of(stale))
        .getReason()).isNull();
    Event other = new EventBuilder(stale).editInvolvedObject().withName("someone-else").endInvolvedObject().build();
    assertThat(RunStatus.of(resource, RunMode.Purge, RunStatusTest.job(null, null), List.of(creating()), List.of(other))
        .getReason()).isNull();
  }

  @Test
  void aPodThatEndedBeforeItsContainerStartedIsNoLongerWaitingForTheConfigMap() {
    UserDataPurge resource = withSeed("pyfactor", new SeedSource("seed-admin", "admin.sql"));
    Pod stopped = new PodBuilder(creating()).editStatus().withPhase("Failed").endStatus().build(); // at the deadline
    assertThat(RunStatus.of(resource, RunMode.Purge, RunStatusTest.job(null, null), List.of(stopped), List.of(
        failedMount("MountVolume.SetUp failed for volume \"seed\" : configmap \"seed-admin\" not found"))).getReason())
        .isNull();
  }

  @Test
  void aMountFailureNamingNoEntryOfSpecSeedIsStillShown() {
    UserDataPurge resource = withSeed("pyfactor", new SeedSource("seed-admin", "admin.sql"),
        new SeedSource("golden", "admin.sql"));
    String message = "MountVolume.SetUp failed for volume \"seed\" : configmap references non-existent config key: admin.sql";
    UserDataPurgeStatus status = RunStatus.of(resource, RunMode.Purge, RunStatusTest.job(null, null), List.of(creating()),
        List.of(failedMount(message)));
    assertThat(status.getReason()).as("two entries have that key: which one is unknown").isEqualTo("ConfigMapNotFound");
    assertThat(status.getMessage()).contains("a ConfigMap of spec.seed (" + message + ")");

    assertThat(RunStatus.of(resource, RunMode.Purge, RunStatusTest.job(null, null), List.of(creating()),
        List.of(failedMount("MountVolume.SetUp failed for volume \"kube-api-access\" : timed out"))).getReason())
        .as("not about a ConfigMap").isNull();
  }

  @Test
  void aSeededPurgeShowsSeededRowsPerTableAndInTheTotals() {
    String result = """
        {"database":"pyfactor","strategy":"delete","dryRun":false,"committed":true,
         "tables":[{"table":"public.auth_user","role":"root","before":1200,"after":3,"seeded":3},
                   {"table":"public.django_admin_log","role":"dependent","before":40,"after":0,"seeded":0}],
         "totals":{"before":1240,"after":3,"seeded":3},"seed":[{"file":"/etc/datapurge/seed/0/admin.sql","statements":2}]}""";
    UserDataPurgeStatus status = RunStatus.of(withSeed("pyfactor", new SeedSource("seed-admin", "admin.sql")),
        RunMode.Purge, RunStatusTest.job("Complete", null), List.of(RunStatusTest.terminated(0, result)));
    assertThat(status.getPhase()).isEqualTo(Phase.Succeeded);
    assertThat(status.getTables()).extracting(TableStatus::getTable, TableStatus::getSeeded, TableStatus::getAfter)
        .containsExactly(Tuple.tuple("public.auth_user", 3L, 3L), Tuple.tuple("public.django_admin_log", 0L, 0L));
    assertThat(status.getTotals().getSeeded()).isEqualTo(3L);
    assertThat(status.getSeedStatements()).isEqualTo(2);
    assertThat(status.getMessage()).isEqualTo(
        "Purged pyfactor: 1240 rows deleted from 2 tables, 3 rows seeded (1240 before, 3 after).");
  }

  @Test
  void aPlanWithASeedSaysHowManyStatementsWouldRun() {
    String plan = """
        {"database":"pyfactor","strategy":"delete","dryRun":true,"committed":false,
         "tables":[{"table":"public.auth_user","role":"root","before":1200,"after":1200}],
         "totals":{"before":1200,"after":1200},"seed":[{"file":"a","statements":2},{"file":"b","statements":40}]}""";
    UserDataPurgeStatus status = RunStatus.of(withSeed(null, new SeedSource("a", "a.sql"), new SeedSource("b", "b.sql")),
        RunMode.Plan, RunStatusTest.job("Complete", null), List.of(RunStatusTest.terminated(0, plan)));
    assertThat(status.getPhase()).isEqualTo(Phase.AwaitingConfirmation);
    assertThat(status.getMessage()).contains("1200 rows in 1 tables would be deleted, then the seed's 42 statements"
        + " would run. To purge, set spec.confirm to pyfactor.");
    assertThat(status.getTables()).allSatisfy(t -> assertThat(t.getSeeded()).isNull());
  }

  @Test
  void seededRowsAreNotSubtractedFromTheDeletedRowsMetric() {
    var registry = new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
    UserDataPurgeStatus status = new UserDataPurgeStatus();
    status.setPhase(Phase.Succeeded);
    status.setDryRun(false);
    var totals = new io.datapurge.api.Totals(1240L, 7L);
    totals.setSeeded(7L);
    status.setTotals(totals);
    new PurgeMetrics(registry).finished(status);
    assertThat(registry.counter("datapurge.rows.deleted").count()).isEqualTo(1240.0);
  }
}
