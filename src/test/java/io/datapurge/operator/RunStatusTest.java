package io.datapurge.operator;

import static org.assertj.core.api.Assertions.assertThat;

import io.datapurge.api.Phase;
import io.datapurge.api.TableStatus;
import io.datapurge.api.UserDataPurge;
import io.datapurge.api.UserDataPurgeStatus;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import java.util.List;
import org.junit.jupiter.api.Test;

class RunStatusTest {

  static final String PLAN_RESULT = """
      {"database":"pyfactor","strategy":"delete","dryRun":true,"committed":false,
       "tables":[{"table":"public.auth_user","role":"root","before":1200,"after":1200},
                 {"table":"public.django_admin_log","role":"dependent","before":40,"after":40}],
       "totals":{"before":1240,"after":1240},"durationMs":35,"runId":"x/1"}""";
  static final String PURGE_RESULT = """
      {"database":"pyfactor","strategy":"delete","dryRun":false,"committed":true,
       "tables":[{"table":"public.auth_user","role":"root","before":1200,"after":0},
                 {"table":"public.django_admin_log","role":"dependent","before":40,"after":0}],
       "totals":{"before":1240,"after":0},"durationMs":80}""";

  @Test
  void finishedPlanAwaitsConfirmationShowingTheCounts() {
    UserDataPurge resource = Resources.purge("reset", "pyfactor", null);
    UserDataPurgeStatus status = RunStatus.of(resource, RunMode.Plan, job("Complete", null),
        List.of(terminated(0, PLAN_RESULT)));

    assertThat(status.getPhase()).isEqualTo(Phase.AwaitingConfirmation);
    assertThat(status.getDryRun()).isTrue();
    assertThat(status.getTotals().getBefore()).isEqualTo(1240L);
    assertThat(status.getTables()).extracting(TableStatus::getTable, TableStatus::getRole, TableStatus::getBefore)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("public.auth_user", "root", 1200L),
            org.assertj.core.groups.Tuple.tuple("public.django_admin_log", "dependent", 40L));
    assertThat(status.getMessage()).contains("1240 rows in 2 tables would be deleted", "set spec.confirm to pyfactor");
    assertThat(status.getJobName()).isEqualTo("reset-plan-0123456789");
    assertThat(status.getCompletionTime()).isEqualTo("2026-11-26T05:00:09Z");
  }

  @Test
  void verifyFullWithoutACaSecretFailingToConnectPointsAtCaSecret() {
    String failure = "{\"committed\":false,\"error\":{\"reason\":\"ConnectionFailed\",\"message\":"
        + "\"The connection to PostgreSQL failed (Could not open SSL root certificate file).\"}}";
    UserDataPurge resource = Resources.purge("reset", "pyfactor", "pyfactor");
    resource.getSpec().getDatabase().setSslMode(io.datapurge.api.SslMode.VERIFY_FULL);
    UserDataPurgeStatus status = RunStatus.of(resource, RunMode.Purge, job("Failed", "BackoffLimitExceeded"),
        List.of(terminated(4, failure)));
    assertThat(status.getReason()).isEqualTo("ConnectionFailed");
    assertThat(status.getMessage()).contains("sslMode verify-full", "set spec.database.caSecret");

    resource.getSpec().getDatabase().setCaSecret(new io.datapurge.api.CaSecret("pg-ca"));
    assertThat(RunStatus.of(resource, RunMode.Purge, job("Failed", "BackoffLimitExceeded"),
        List.of(terminated(4, failure))).getMessage()).doesNotContain("caSecret");
  }

  @Test
  void dryRunEndsSucceededWithNothingDeleted() {
    UserDataPurge resource = Resources.purge("reset", "pyfactor", "pyfactor");
    resource.getSpec().setDryRun(true);
    UserDataPurgeStatus status = RunStatus.of(resource, RunMode.of(resource), job("Complete", null),
        List.of(terminated(0, PLAN_RESULT)));
    assertThat(status.getPhase()).isEqualTo(Phase.Succeeded);
    assertThat(status.getDryRun()).isTrue();
    assertThat(status.getMessage()).startsWith("Dry run of pyfactor").contains("nothing was deleted");
  }

  @Test
  void confirmedPurgeSucceedsWithBeforeAndAfterCounts() {
    UserDataPurgeStatus status = RunStatus.of(Resources.purge("reset", "pyfactor", "pyfactor"), RunMode.Purge,
        job("Complete", null), List.of(terminated(0, PURGE_RESULT)));
    assertThat(status.getPhase()).isEqualTo(Phase.Succeeded);
    assertThat(status.getDryRun()).isFalse();
    assertThat(status.getTotals().getBefore()).isEqualTo(1240L);
    assertThat(status.getTotals().getAfter()).isZero();
    assertThat(status.getTables()).extracting(TableStatus::getAfter).containsOnly(0L);
    assertThat(status.getMessage()).isEqualTo("Purged pyfactor: 1240 rows deleted from 2 tables (1240 before, 0 after).");
    assertThat(status.getReason()).isNull();
  }

  @Test
  void howTheKeysWereCheckedReachesTheStatus() {
    String result = PURGE_RESULT.replace("\"durationMs\":80", "\"durationMs\":80,\"keyChecks\":{\"mode\":\"batch\","
        + "\"batch\":8,\"perRow\":1,\"why\":[\"public.django_admin_log.log_user_fk: not owner of public.django_admin_log\"]}");
    UserDataPurgeStatus status = RunStatus.of(Resources.purge("reset", "pyfactor", "pyfactor"), RunMode.Purge,
        job("Complete", null), List.of(terminated(0, result)));

    assertThat(status.getKeyChecks()).extracting("mode", "batch", "perRow", "why").containsExactly("batch", 8, 1,
        List.of("public.django_admin_log.log_user_fk: not owner of public.django_admin_log"));
    assertThat(RunStatus.of(Resources.purge("reset", "pyfactor", "pyfactor"), RunMode.Purge,
        job("Complete", null), List.of(terminated(0, PURGE_RESULT))).getKeyChecks()).isNull();
  }

  @Test
  void podThatEndedDecidesTheRunBeforeTheJobControllerRecordsIt() {
    Pod succeeded = terminated(0, PURGE_RESULT);
    succeeded.getStatus().setPhase("Succeeded");
    succeeded.getStatus().getContainerStatuses().get(0).getState().getTerminated().setFinishedAt("2026-11-26T05:00:08Z");
    UserDataPurgeStatus status = RunStatus.of(Resources.purge("reset", "pyfactor", "pyfactor"), RunMode.Purge,
        job(null, null), List.of(succeeded));
    assertThat(status.getPhase()).isEqualTo(Phase.Succeeded);
    assertThat(status.getTotals().getAfter()).isZero();
    assertThat(status.getCompletionTime()).isEqualTo("2026-11-26T05:00:08Z");

    Pod failed = terminated(5, """
        {"committed":false,"error":{"reason":"LockTimeout","message":"could not lock public.auth_user within 10s"}}""");
    failed.getStatus().setPhase("Failed");
    UserDataPurgeStatus failure = RunStatus.of(Resources.purge("reset", "pyfactor", "pyfactor"), RunMode.Purge,
        job(null, null), List.of(failed));
    assertThat(failure.getPhase()).isEqualTo(Phase.Failed);
    assertThat(failure.getReason()).isEqualTo("LockTimeout");

    // The container exited 0 with its result; the kubelet has not yet set the pod's phase (it does after
    // tearing the pod down): with restartPolicy Never that state is final, the run ends now.
    UserDataPurgeStatus exited = RunStatus.of(Resources.purge("reset", "pyfactor", "pyfactor"), RunMode.Purge,
        job(null, null), List.of(terminated(0, PURGE_RESULT)));
    assertThat(exited.getPhase()).isEqualTo(Phase.Succeeded);
    // Exited with an error, or without a result: the pod's phase or the Job decides, as before.
    Pod lockTimeout = terminated(5, """
        {"committed":false,"error":{"reason":"LockTimeout","message":"could not lock public.auth_user within 10s"}}""");
    assertThat(RunStatus.of(Resources.purge("reset", "pyfactor", "pyfactor"), RunMode.Purge, job(null, null),
        List.of(lockTimeout)).getPhase()).isEqualTo(Phase.Running);
    assertThat(RunStatus.of(Resources.purge("reset", "pyfactor", "pyfactor"), RunMode.Purge, job(null, null),
        List.of(terminated(0, ""))).getPhase()).isEqualTo(Phase.Running);

    // Stopped at the deadline: no result of its own; the Job's condition will say DeadlineExceeded.
    Pod killed = terminated(143, "");
    killed.getStatus().setPhase("Failed");
    assertThat(RunStatus.of(Resources.purge("reset", "pyfactor", "pyfactor"), RunMode.Purge, job(null, null),
        List.of(killed)).getPhase()).isEqualTo(Phase.Running);

    // Deleted with its Job: its cancelled statement is no verdict; the Job (or its absence) decides.
    failed.getMetadata().setDeletionTimestamp("2026-11-26T05:00:05Z");
    assertThat(RunStatus.of(Resources.purge("reset", "pyfactor", "pyfactor"), RunMode.Purge, job(null, null),
        List.of(failed)).getPhase()).isEqualTo(Phase.Running);
  }

  @Test
  void failureReasonFromTheResultBecomesTheStatusReasonWithAdvice() {
    String result = """
        {"committed":false,"error":{"reason":"LockTimeout","message":"could not lock public.auth_user within 10s"}}""";
    UserDataPurgeStatus status = RunStatus.of(Resources.purge("reset", "pyfactor", "pyfactor"), RunMode.Purge,
        job("Failed", "BackoffLimitExceeded"), List.of(terminated(5, result)));
    assertThat(status.getPhase()).isEqualTo(Phase.Failed);
    assertThat(status.getReason()).isEqualTo("LockTimeout");
    assertThat(status.getMessage()).startsWith("could not lock public.auth_user within 10s").contains("spec.runId");
  }

  @Test
  void jobPastItsDeadlineFailsWithDeadlineExceeded() {
    UserDataPurgeStatus status = RunStatus.of(Resources.purge("reset", "pyfactor", "pyfactor"), RunMode.Purge,
        job("Failed", "DeadlineExceeded"), List.of());
    assertThat(status.getPhase()).isEqualTo(Phase.Failed);
    assertThat(status.getReason()).isEqualTo("DeadlineExceeded");
    assertThat(status.getMessage()).contains("1800s", "rolls back");
  }

  @Test
  void containerThatDiesWithoutAResultPointsAtTheLogs() {
    UserDataPurgeStatus status = RunStatus.of(Resources.purge("reset", "pyfactor", "pyfactor"), RunMode.Purge,
        job("Failed", "BackoffLimitExceeded"), List.of(terminated(137, "")));
    assertThat(status.getReason()).isEqualTo("JobFailed");
    assertThat(status.getMessage()).contains("code 137", "kubectl logs job/reset-plan-0123456789");
  }

  @Test
  void podWaitingForItsSecretIsReportedButNotTerminal() {
    Pod waiting = new PodBuilder().withNewMetadata().withName("p").endMetadata().withNewStatus()
        .addNewContainerStatus().withName("purge").withNewState().withNewWaiting()
        .withReason("CreateContainerConfigError").withMessage("secret \"pg-purge\" not found")
        .endWaiting().endState().endContainerStatus().endStatus().build();
    UserDataPurgeStatus status = RunStatus.of(Resources.purge("reset", "pyfactor", "pyfactor"), RunMode.Purge,
        job(null, null), List.of(waiting));
    assertThat(status.getPhase()).isEqualTo(Phase.Running);
    assertThat(status.getReason()).isEqualTo("SecretNotFound");
    assertThat(status.getMessage()).contains("pg-purge", "secret \"pg-purge\" not found", "namespace staging");

    Conditions.apply(status, 1, null);
    assertThat(status.condition("Reconciling").getStatus()).isEqualTo("True");
    assertThat(status.condition("Stalled").getStatus()).isEqualTo("False");
    assertThat(status.condition("Ready").getReason()).isEqualTo("SecretNotFound");
  }

  @Test
  void lostJobFailsWithJobLostInsteadOfRunningAgain() {
    UserDataPurgeStatus status = RunStatus.jobLost(Resources.purge("reset", "pyfactor", "pyfactor"), RunMode.Purge,
        "reset-purge-0123456789");
    assertThat(status.getPhase()).isEqualTo(Phase.Failed);
    assertThat(status.getReason()).isEqualTo("JobLost");
    assertThat(status.getMessage()).contains("Check the database");
  }

  @Test
  void conditionsFollowKstatusAndKeepTheirTransitionTime() {
    UserDataPurgeStatus first = RunStatus.of(Resources.purge("reset", "pyfactor", "pyfactor"), RunMode.Purge,
        job("Complete", null), List.of(terminated(0, PURGE_RESULT)));
    Conditions.apply(first, 1, null);
    assertThat(first.getConditions()).extracting(Condition::getType, Condition::getStatus)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("Ready", "True"),
            org.assertj.core.groups.Tuple.tuple("Reconciling", "False"),
            org.assertj.core.groups.Tuple.tuple("Stalled", "False"));
    first.getConditions().forEach(c -> c.setLastTransitionTime("2026-01-01T00:00:00Z"));
    UserDataPurgeStatus again = RunStatus.of(Resources.purge("reset", "pyfactor", "pyfactor"), RunMode.Purge,
        job("Complete", null), List.of(terminated(0, PURGE_RESULT)));
    Conditions.apply(again, 1, first);
    assertThat(again.getConditions()).extracting(Condition::getLastTransitionTime)
        .containsOnly("2026-01-01T00:00:00Z");

    UserDataPurgeStatus blocked = RunStatus.blocked(Resources.purge("reset", "prod", null), "ProtectedDatabase", "no");
    Conditions.apply(blocked, 1, null);
    assertThat(blocked.condition("Stalled").getStatus()).isEqualTo("True");
    assertThat(blocked.condition("Stalled").getReason()).isEqualTo("ProtectedDatabase");
    assertThat(blocked.condition("Ready").getStatus()).isEqualTo("False");
  }

  @Test
  void aPlanInProgressIsADryRunAndAPurgeInProgressIsNot() {
    UserDataPurgeStatus planning = RunStatus.of(Resources.purge("reset", "pyfactor", null), RunMode.Plan,
        job(null, null), List.of());
    assertThat(planning.getPhase()).isEqualTo(Phase.Planning);
    assertThat(planning.getDryRun()).isTrue();
    UserDataPurgeStatus running = RunStatus.of(Resources.purge("reset", "pyfactor", "pyfactor"), RunMode.Purge,
        job(null, null), List.of());
    assertThat(running.getPhase()).isEqualTo(Phase.Running);
    assertThat(running.getDryRun()).isFalse();
  }

  @Test
  void aPurgeThatKeepsRowsCountsOnlyTheDeletedOnes() {
    String kept = """
        {"database":"pyfactor","strategy":"delete","dryRun":false,"committed":true,
         "tables":[{"table":"public.auth_user","role":"root","before":1200,"after":40}],
         "totals":{"before":1240,"after":40,"deleted":1200},"durationMs":80}""";
    UserDataPurgeStatus status = RunStatus.of(Resources.purge("reset", "pyfactor", "pyfactor"), RunMode.Purge,
        job("Complete", null), List.of(terminated(0, kept)));
    assertThat(status.getPhase()).isEqualTo(Phase.Succeeded);
    assertThat(status.getReason()).isNull();
    assertThat(status.getMessage()).startsWith("Purged pyfactor: 1200 rows deleted from 1 tables (1240 before, 40 after).");
  }

  @Test
  void aPlanWithAPredicateSaysHowManyOfTheRowsWouldGo() {
    String where = """
        {"database":"pyfactor","strategy":"delete","dryRun":true,"committed":false,
         "tables":[{"table":"public.auth_user","role":"root","before":1200,"after":1200,"deleted":30}],
         "totals":{"before":1240,"after":1240,"deleted":40},"durationMs":35}""";
    UserDataPurgeStatus status = RunStatus.of(Resources.purge("reset", "pyfactor", null), RunMode.Plan,
        job("Complete", null), List.of(terminated(0, where)));
    assertThat(status.getMessage()).startsWith("Plan for pyfactor: 40 of 1240 rows in 1 tables would be deleted.");

    String all = where.replace("\"deleted\":40", "\"deleted\":1240");
    assertThat(RunStatus.of(Resources.purge("reset", "pyfactor", null), RunMode.Plan, job("Complete", null),
        List.of(terminated(0, all))).getMessage()).startsWith("Plan for pyfactor: 1240 rows in 1 tables");

    String noTotals = """
        {"database":"pyfactor","strategy":"delete","dryRun":true,"committed":false,"tables":[],"durationMs":3}""";
    assertThat(RunStatus.of(Resources.purge("reset", "pyfactor", null), RunMode.Plan, job("Complete", null),
        List.of(terminated(0, noTotals))).getMessage()).startsWith("Plan for pyfactor: 0 rows in 0 tables would be deleted.");
  }

  @Test
  void theEndedPodDecidesEvenWhenAnotherPodOfTheJobIsListedFirst() {
    Pod pending = new PodBuilder().withNewMetadata().withName("reset-purge-0123456789-zzzzz").endMetadata()
        .withNewStatus().withPhase("Pending").endStatus().build();
    Pod noStatus = new PodBuilder().withNewMetadata().withName("reset-purge-0123456789-yyyyy").endMetadata().build();
    Pod ended = new PodBuilder(terminated(0, "")).editStatus().withPhase("Succeeded").endStatus().build();

    UserDataPurgeStatus status = RunStatus.of(Resources.purge("reset", "pyfactor", "pyfactor"), RunMode.Purge,
        job(null, null), List.of(noStatus, pending, ended));

    assertThat(status.getPhase()).isEqualTo(Phase.Failed);
    assertThat(status.getReason()).isEqualTo("ResultMissing");
  }

  @Test
  void aResultIsFinalOnlyFromAContainerThatExitedZeroWithoutAnErrorOtherwiseTheJobDecides() {
    UserDataPurge resource = Resources.purge("reset", "pyfactor", "pyfactor");
    assertThat(RunStatus.of(resource, RunMode.Purge, job(null, null), List.of(terminated(0, PURGE_RESULT))).getPhase())
        .isEqualTo(Phase.Succeeded);
    assertThat(RunStatus.of(resource, RunMode.Purge, job(null, null), List.of(terminated(2, PURGE_RESULT))).getPhase())
        .as("exit code 2: wait for the Job").isEqualTo(Phase.Running);
    String error = "{\"committed\":false,\"error\":{\"reason\":\"LockTimeout\",\"message\":\"locked\"}}";
    assertThat(RunStatus.of(resource, RunMode.Purge, job(null, null), List.of(terminated(0, error))).getPhase())
        .as("an error in the result: wait for the Job").isEqualTo(Phase.Running);
  }

  static Job job(String condition, String reason) {
    var builder = new JobBuilder().withNewMetadata().withName("reset-plan-0123456789")
        .withCreationTimestamp("2026-11-26T05:00:00Z").endMetadata()
        .withNewSpec().withActiveDeadlineSeconds(1800L).endSpec()
        .withNewStatus().withStartTime("2026-11-26T05:00:01Z").endStatus();
    if (condition != null) {
      builder.editStatus().addNewCondition().withType(condition).withStatus("True").withReason(reason)
          .withLastTransitionTime("2026-11-26T05:00:09Z").endCondition()
          .withCompletionTime("Complete".equals(condition) ? "2026-11-26T05:00:09Z" : null).endStatus();
    }
    return builder.build();
  }

  static Pod terminated(int exitCode, String message) {
    return new PodBuilder().withNewMetadata().withName("reset-plan-0123456789-abcde").endMetadata()
        .withNewStatus().addNewContainerStatus().withName("purge").withNewState().withNewTerminated()
        .withExitCode(exitCode).withMessage(message).endTerminated().endState().endContainerStatus()
        .endStatus().build();
  }
}
