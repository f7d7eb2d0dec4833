package io.datapurge.operator;

import static io.datapurge.operator.RunStatusTest.PLAN_RESULT;
import static io.datapurge.operator.RunStatusTest.PURGE_RESULT;
import static io.datapurge.operator.RunStatusTest.job;
import static io.datapurge.operator.RunStatusTest.terminated;
import static org.assertj.core.api.Assertions.assertThat;

import io.datapurge.api.Phase;
import io.datapurge.api.SslMode;
import io.datapurge.api.UserDataPurge;
import io.datapurge.api.UserDataPurgeStatus;
import io.datapurge.operator.RunStatus.Evidence;
import io.datapurge.operator.RunStatus.Verdict;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The precedence of a run's verdict and the details of the status each verdict writes. */
class RunVerdictTest {

  static final UserDataPurge PURGE = Resources.purge("reset", "pyfactor", "pyfactor");

  static Pod waiting(String reason, String message) {
    return new PodBuilder().withNewMetadata().withName("p").endMetadata().withNewStatus()
        .addNewContainerStatus().withName("purge").withNewState().withNewWaiting()
        .withReason(reason).withMessage(message).endWaiting().endState().endContainerStatus().endStatus().build();
  }

  static Verdict verdict(RunMode mode, Job job, Pod... pods) {
    return Verdict.of(mode, Evidence.of(job, List.of(pods)));
  }

  @Test
  void verdictsInOrderOfPrecedence() {
    String lockTimeout = "{\"committed\":false,\"error\":{\"reason\":\"LockTimeout\",\"message\":\"m\"}}";
    String notCommitted = "{\"committed\":false,\"totals\":{\"before\":1,\"after\":1}}";
    assertThat(verdict(RunMode.Purge, job(null, null))).isEqualTo(Verdict.InProgress);
    assertThat(verdict(RunMode.Purge, job("Complete", null), terminated(0, PURGE_RESULT))).isEqualTo(Verdict.Succeeded);
    assertThat(verdict(RunMode.Plan, job("Complete", null), terminated(0, PLAN_RESULT)))
        .as("a plan never commits").isEqualTo(Verdict.Succeeded);
    assertThat(verdict(RunMode.Purge, job("Complete", null), terminated(0, notCommitted))).isEqualTo(Verdict.NotCommitted);
    assertThat(verdict(RunMode.Purge, job("Complete", null), terminated(0, lockTimeout)))
        .as("an error wins over the Job's Complete").isEqualTo(Verdict.PurgeError);
    assertThat(verdict(RunMode.Purge, job("Failed", "DeadlineExceeded"), terminated(5, lockTimeout)))
        .as("the purge's own error wins over the deadline").isEqualTo(Verdict.PurgeError);
    assertThat(verdict(RunMode.Purge, job("Failed", "DeadlineExceeded"), terminated(143, "")))
        .isEqualTo(Verdict.DeadlineExceeded);
    assertThat(verdict(RunMode.Purge, job("Failed", "BackoffLimitExceeded"), terminated(137, "")))
        .isEqualTo(Verdict.NoResult);
    assertThat(verdict(RunMode.Purge, job("Failed", "BackoffLimitExceeded"))).isEqualTo(Verdict.JobFailed);
  }

  @Test
  void finishedMeansTheJobControllerRecordedCompleteOrFailed() {
    assertThat(RunStatus.finished(job("Complete", null))).isTrue();
    assertThat(RunStatus.finished(job("Failed", "BackoffLimitExceeded"))).isTrue();
    assertThat(RunStatus.finished(job(null, null))).isFalse();
    Job suspended = job("Suspended", null);
    assertThat(RunStatus.finished(suspended)).isFalse();
    Job noStatus = job(null, null);
    noStatus.setStatus(null);
    assertThat(RunStatus.finished(noStatus)).isFalse();
  }

  @Test
  void purgeThatEndedWithoutCommittingDeletedNothing() {
    UserDataPurgeStatus status = RunStatus.of(PURGE, RunMode.Purge, job("Complete", null),
        List.of(terminated(0, "{\"committed\":false,\"totals\":{\"before\":1240,\"after\":1240}}")));
    assertThat(status.getPhase()).isEqualTo(Phase.Failed);
    assertThat(status.getReason()).isEqualTo("ResultMissing");
    assertThat(status.getMessage()).isEqualTo("The purge of pyfactor ended without committing; nothing was deleted.");
    assertThat(status.getTotals().getAfter()).isEqualTo(1240L);
  }

  @Test
  void completedContainerWithoutAReadableResultIsResultMissing() {
    UserDataPurgeStatus status = RunStatus.of(PURGE, RunMode.Purge, job("Complete", null),
        List.of(terminated(0, "not json")));
    assertThat(status.getReason()).isEqualTo("ResultMissing");
    assertThat(status.getMessage()).contains("exited with code 0 without a readable result");
  }

  @Test
  void failedJobWithoutAPodNamesTheJobsReason() {
    Job failed = job("Failed", "BackoffLimitExceeded");
    failed.getStatus().getConditions().get(0).setMessage("Job has reached the specified backoff limit");
    UserDataPurgeStatus status = RunStatus.of(PURGE, RunMode.Purge, failed, List.of());
    assertThat(status.getReason()).isEqualTo("JobFailed");
    assertThat(status.getMessage()).isEqualTo("Job reset-plan-0123456789 failed: BackoffLimitExceeded: Job has reached"
        + " the specified backoff limit; see kubectl describe job/reset-plan-0123456789.");
    assertThat(status.getCompletionTime()).as("the Failed condition's time").isEqualTo("2026-11-26T05:00:09Z");
  }

  @Test
  void finalStatusCarriesTheJobsStartAndCompletionTimes() {
    Job done = job("Complete", null);
    done.getStatus().setCompletionTime("2026-11-26T05:00:10Z");
    UserDataPurgeStatus status = RunStatus.of(PURGE, RunMode.Purge, done, List.of(terminated(0, PURGE_RESULT)));
    assertThat(status.getStartTime()).isEqualTo("2026-11-26T05:00:01Z");
    assertThat(status.getCompletionTime()).as("the Job's own completionTime first").isEqualTo("2026-11-26T05:00:10Z");

    Pod ended = terminated(0, PURGE_RESULT);
    ended.getStatus().setPhase("Succeeded");
    ended.getStatus().getContainerStatuses().get(0).getState().getTerminated().setFinishedAt("2026-11-26T05:00:07Z");
    Job noStatus = job(null, null);
    noStatus.setStatus(null);
    UserDataPurgeStatus early = RunStatus.of(PURGE, RunMode.Purge, noStatus, List.of(ended));
    assertThat(early.getPhase()).isEqualTo(Phase.Succeeded);
    assertThat(early.getStartTime()).as("no Job status yet: its creation").isEqualTo("2026-11-26T05:00:00Z");
    assertThat(early.getCompletionTime()).isEqualTo("2026-11-26T05:00:07Z");
  }

  @Test
  void databaseIsTheServersNameFromTheResultElseTheSpecs() {
    UserDataPurgeStatus status = RunStatus.of(PURGE, RunMode.Purge, job("Complete", null),
        List.of(terminated(0, PURGE_RESULT.replace("\"database\":\"pyfactor\"", "\"database\":\"PyFactor\""))));
    assertThat(status.getDatabase()).isEqualTo("PyFactor");
    assertThat(status.getMessage()).startsWith("Purged PyFactor:");
    assertThat(RunStatus.of(PURGE, RunMode.Purge, job(null, null), List.of()).getDatabase()).isEqualTo("pyfactor");
    assertThat(RunStatus.blocked(PURGE, "PlanInvalid", "m").getDatabase()).isEqualTo("pyfactor");
  }

  @Test
  void onlyThePurgeContainersStateCounts() {
    Pod withSidecar = terminated(0, PURGE_RESULT);
    withSidecar.getStatus().setPhase("Running");
    withSidecar.getStatus().getContainerStatuses().set(0, new ContainerStatusBuilder().withName("sidecar")
        .withNewState().withNewTerminated().withExitCode(0).withMessage(PURGE_RESULT).endTerminated().endState().build());
    withSidecar.getStatus().getContainerStatuses().add(new ContainerStatusBuilder().withName("purge").build());
    Pod noStatuses = new PodBuilder().withNewMetadata().withName("q").endMetadata().withNewStatus().endStatus().build();
    noStatuses.getStatus().setContainerStatuses(null);
    Pod noStatus = new PodBuilder().withNewMetadata().withName("r").endMetadata().build();

    UserDataPurgeStatus status = RunStatus.of(PURGE, RunMode.Purge, job("Failed", "BackoffLimitExceeded"),
        List.of(withSidecar, noStatuses, noStatus));
    assertThat(status.getReason()).as("a sidecar's message is no result").isEqualTo("JobFailed");
    assertThat(status.getTotals()).isNull();
  }

  @Test
  void theContainerStateWithAMessageIsTheResult() {
    Pod first = terminated(137, "");
    Pod second = terminated(0, PURGE_RESULT);
    UserDataPurgeStatus status = RunStatus.of(PURGE, RunMode.Purge, job("Complete", null), List.of(first, second));
    assertThat(status.getPhase()).isEqualTo(Phase.Succeeded);
    assertThat(status.getTotals().getBefore()).isEqualTo(1240L);
  }

  @Test
  void podThatIsOnlyCreatingItsContainerIsNoMissingSecret() {
    UserDataPurgeStatus status = RunStatus.of(PURGE, RunMode.Purge, job(null, null),
        List.of(waiting("ContainerCreating", null)));
    assertThat(status.getPhase()).isEqualTo(Phase.Running);
    assertThat(status.getReason()).isNull();
    assertThat(status.getMessage()).isEqualTo("Purging pyfactor in Job reset-plan-0123456789.");
  }

  @Test
  void missingKeyOfTheAuth0SecretNamesThatSecret() {
    UserDataPurge resource = Auth0JobAndStatusTest.withAuth0("pyfactor", null);
    UserDataPurgeStatus status = RunStatus.of(resource, RunMode.Purge, job(null, null),
        List.of(waiting("CreateContainerConfigError", "couldn't find key client_id in Secret staging/auth0-purge")));
    assertThat(status.getMessage()).contains("waiting for Secret auth0-purge with keys client_id and client_secret");

    UserDataPurgeStatus database = RunStatus.of(resource, RunMode.Purge, job(null, null),
        List.of(waiting("CreateContainerConfigError", null)));
    assertThat(database.getMessage()).contains("waiting for Secret pg-purge with keys username and password (not found)");
  }

  @Test
  void auth0FailureAdvicePointsAtTheAuth0Secret() {
    String failure = "{\"committed\":false,\"error\":{\"reason\":\"Auth0Failed\",\"message\":\"Auth0 said 401.\"}}";
    UserDataPurgeStatus status = RunStatus.of(Auth0JobAndStatusTest.withAuth0("pyfactor", null), RunMode.Purge,
        job("Failed", "BackoffLimitExceeded"), List.of(terminated(8, failure)));
    assertThat(status.getMessage()).isEqualTo("Auth0 said 401. Check spec.auth0.domain and the client id and secret"
        + " in Secret auth0-purge; change spec.runId to retry.");
    assertThat(RunStatus.of(PURGE, RunMode.Purge, job("Failed", "BackoffLimitExceeded"),
        List.of(terminated(8, failure))).getMessage()).isEqualTo("Auth0 said 401.");
  }

  @Test
  void verifyCaWithoutACaSecretAlsoPointsAtCaSecretButRequireDoesNot() {
    String failure = "{\"committed\":false,\"error\":{\"reason\":\"ConnectionFailed\",\"message\":\"refused.\"}}";
    UserDataPurge resource = Resources.purge("reset", "pyfactor", "pyfactor");
    resource.getSpec().getDatabase().setSslMode(SslMode.VERIFY_CA);
    assertThat(RunStatus.of(resource, RunMode.Purge, job("Failed", "BackoffLimitExceeded"),
        List.of(terminated(4, failure))).getMessage()).contains("sslMode verify-ca verifies");
    resource.getSpec().getDatabase().setSslMode(SslMode.REQUIRE);
    assertThat(RunStatus.of(resource, RunMode.Purge, job("Failed", "BackoffLimitExceeded"),
        List.of(terminated(4, failure))).getMessage()).doesNotContain("caSecret").contains("spec.database.host");
  }

  @Test
  void conditionsCarryTheMessageOnlyWhereTheyAreTrue() {
    UserDataPurgeStatus running = RunStatus.of(PURGE, RunMode.Purge, job(null, null), List.of());
    Conditions.apply(running, 1, null);
    assertThat(running.condition("Reconciling").getMessage()).isEqualTo(running.getMessage());
    assertThat(running.condition("Stalled").getMessage()).isEmpty();
    assertThat(running.condition("Stalled").getReason()).isEqualTo("Running");

    UserDataPurgeStatus failed = RunStatus.jobLost(PURGE, RunMode.Purge, "reset-purge-1");
    Conditions.apply(failed, 1, null);
    assertThat(failed.condition("Stalled").getMessage()).isEqualTo(failed.getMessage());
    assertThat(failed.condition("Reconciling").getMessage()).isEmpty();
    assertThat(failed.condition("Reconciling").getReason()).isEqualTo("Failed");

    UserDataPurgeStatus silent = RunStatus.blocked(PURGE, "PlanInvalid", null);
    Conditions.apply(silent, 1, null);
    assertThat(silent.condition("Ready").getMessage()).as("never null: kstatus reads it").isEmpty();
  }
}
