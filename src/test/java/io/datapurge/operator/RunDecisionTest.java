package io.datapurge.operator;

import static io.datapurge.operator.RunStatusTest.PURGE_RESULT;
import static io.datapurge.operator.RunStatusTest.terminated;
import static org.assertj.core.api.Assertions.assertThat;

import io.datapurge.api.Phase;
import io.datapurge.api.TableStatus;
import io.datapurge.api.UserDataPurge;
import io.datapurge.api.UserDataPurgeStatus;
import io.datapurge.operator.RunDecision.CreateJob;
import io.datapurge.operator.RunDecision.Decision;
import io.datapurge.operator.RunDecision.DeleteJob;
import io.datapurge.operator.RunDecision.Observed;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The reconcile decision as a value: every branch without a cluster. */
class RunDecisionTest {

  static final Instant NOW = Instant.parse("2026-11-26T05:00:03.600Z");

  final RunDecision decision = new RunDecision(Resources.SETTINGS);

  /** The Job PurgeJob would create, as the API server hands it back (created, not yet started). */
  static Job created(UserDataPurge resource) {
    Job job = PurgeJob.desired(resource, RunMode.of(resource), Resources.SETTINGS);
    job.getMetadata().setCreationTimestamp("2026-11-26T05:00:00Z");
    return job;
  }

  /** What the reconciler writes for {@code resource} now that its Job exists, applied as its status. */
  UserDataPurge afterRunStarted(UserDataPurge resource) {
    resource.setStatus(decision.decide(new Observed(resource, created(resource), List.of()), NOW).status());
    return resource;
  }

  static UserDataPurge nextGeneration(UserDataPurge resource) {
    resource.getMetadata().setGeneration(resource.getMetadata().getGeneration() + 1);
    return resource;
  }

  // --- a new run

  @Test
  void newResourceWithoutAJobCreatesThePlanJobAndWritesNothingYet() {
    UserDataPurge resource = Resources.purge("reset", "pyfactor", null);
    Decision d = decision.decide(Observed.noJob(resource), NOW);

    assertThat(d.status()).as("the status follows from the Job once it exists").isNull();
    assertThat(d.actions()).singleElement().isInstanceOf(CreateJob.class);
    Job job = d.jobToCreate().orElseThrow();
    assertThat(job.getMetadata().getName()).isEqualTo(JobNames.of(resource, RunMode.Plan)).contains("-plan-");
    assertThat(job.getSpec().getTemplate().getSpec().getContainers().get(0).getArgs()).contains("--dry-run");
  }

  @Test
  void confirmedResourceCreatesThePurgeJob() {
    UserDataPurge resource = Resources.purge("reset", "pyfactor", "pyfactor");
    Job job = decision.decide(Observed.noJob(resource), NOW).jobToCreate().orElseThrow();
    assertThat(job.getMetadata().getName()).isEqualTo(RunDecision.jobName(resource)).contains("-purge-");
    assertThat(job.getSpec().getTemplate().getSpec().getContainers().get(0).getArgs())
        .containsSubsequence("--confirm", "pyfactor");
  }

  @Test
  void createdJobGivesPlanningWithConditionsStampedNowAndAnnouncesTheTransition() {
    UserDataPurge resource = Resources.purge("reset", "pyfactor", null);
    Decision d = decision.decide(new Observed(resource, created(resource), List.of()), NOW);

    assertThat(d.actions()).isEmpty();
    assertThat(d.transition()).isTrue();
    UserDataPurgeStatus status = d.status();
    assertThat(status.getPhase()).isEqualTo(Phase.Planning);
    assertThat(status.getObservedGeneration()).isEqualTo(1L);
    assertThat(status.getJobName()).isEqualTo(JobNames.of(resource, RunMode.Plan));
    assertThat(status.getStartTime()).isEqualTo("2026-11-26T05:00:00Z");
    assertThat(status.getConditions()).extracting(Condition::getType, Condition::getStatus, Condition::getLastTransitionTime)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("Ready", "False", "2026-11-26T05:00:03Z"),
            org.assertj.core.groups.Tuple.tuple("Reconciling", "True", "2026-11-26T05:00:03Z"),
            org.assertj.core.groups.Tuple.tuple("Stalled", "False", "2026-11-26T05:00:03Z"));
  }

  @Test
  void observingTheSameRunAgainWritesNothing() {
    UserDataPurge resource = afterRunStarted(Resources.purge("reset", "pyfactor", null));
    Decision again = decision.decide(new Observed(resource, created(resource), List.of()), NOW.plusSeconds(30));
    assertThat(again.status()).isNull();
    assertThat(again.actions()).isEmpty();
    assertThat(again.transition()).isFalse();
  }

  @Test
  void changedDetailsWithinAPhaseAreWrittenWithoutAnEvent() {
    UserDataPurge resource = afterRunStarted(Resources.purge("reset", "pyfactor", null));
    Job started = created(resource);
    started.setStatus(new io.fabric8.kubernetes.api.model.batch.v1.JobStatusBuilder()
        .withStartTime("2026-11-26T05:00:02Z").build());
    Decision d = decision.decide(new Observed(resource, started, List.of()), NOW.plusSeconds(30));

    assertThat(d.status().getStartTime()).isEqualTo("2026-11-26T05:00:02Z");
    assertThat(d.transition()).as("same phase, reason and generation").isFalse();
    assertThat(d.status().getConditions()).extracting(Condition::getLastTransitionTime)
        .as("conditions that did not change keep their time").containsOnly("2026-11-26T05:00:03Z");
  }

  @Test
  void aNewReasonWithinAPhaseIsATransition() {
    UserDataPurge resource = afterRunStarted(Resources.purge("reset", "pyfactor", null));
    var waiting = new io.fabric8.kubernetes.api.model.PodBuilder().withNewMetadata().withName("p").endMetadata()
        .withNewStatus().addNewContainerStatus().withName("purge").withNewState().withNewWaiting()
        .withReason("CreateContainerConfigError").withMessage("secret \"pg-purge\" not found")
        .endWaiting().endState().endContainerStatus().endStatus().build();
    Decision d = decision.decide(new Observed(resource, created(resource), List.of(waiting)), NOW);
    assertThat(d.status().getPhase()).isEqualTo(Phase.Planning);
    assertThat(d.status().getReason()).isEqualTo("SecretNotFound");
    assertThat(d.transition()).isTrue();
  }

  @Test
  void finishedJobMovesThePhaseOnAndIsATransition() {
    UserDataPurge resource = afterRunStarted(Resources.purge("reset", "pyfactor", "pyfactor"));
    Job done = created(resource);
    done.setStatus(RunStatusTest.job("Complete", null).getStatus());
    Decision d = decision.decide(new Observed(resource, done, List.of(terminated(0, PURGE_RESULT))), NOW);
    assertThat(d.status().getPhase()).isEqualTo(Phase.Succeeded);
    assertThat(d.status().getTables()).extracting(TableStatus::getAfter).containsOnly(0L);
    assertThat(d.transition()).isTrue();
    assertThat(d.status().condition("Ready").getStatus()).isEqualTo("True");
  }

  // --- approval through the annotation datapurge.io/approve

  /** A plan run of {@code resource} finished: the status it writes, applied. */
  UserDataPurge planned(UserDataPurge resource, String planResult) {
    afterRunStarted(resource);
    Job done = created(resource);
    done.setStatus(RunStatusTest.job("Complete", null).getStatus());
    resource.setStatus(decision.decide(new Observed(resource, done, List.of(terminated(0, planResult))), NOW).status());
    return resource;
  }

  static UserDataPurge approve(UserDataPurge resource, String planId) {
    resource.getMetadata().setAnnotations(new java.util.HashMap<>(Map.of(PlanApproval.ANNOTATION, planId)));
    return resource;
  }

  @Test
  void finishedPlanShowsAPlanIdForItsGenerationAndHowToApproveIt() {
    UserDataPurge resource = planned(Resources.purge("reset", "pyfactor", null), RunStatusTest.PLAN_RESULT);
    UserDataPurgeStatus status = resource.getStatus();
    assertThat(status.getPhase()).isEqualTo(Phase.AwaitingConfirmation);
    assertThat(status.getPlan().getId()).hasSize(12).matches("[0-9a-f]+");
    assertThat(status.getPlan().getGeneration()).isEqualTo(1L);
    assertThat(status.getMessage()).contains("set spec.confirm to pyfactor",
        "approve this plan (" + status.getPlan().getId() + ")", "kubectl purge approve reset");
    assertThat(status.getApproval()).isNull();
    assertThat(RunDecision.settled(resource)).as("nothing to do without an approval").isTrue();
  }

  @Test
  void planIdIsStableAndChangesWithTheGenerationAndTheCounts() {
    UserDataPurge one = planned(Resources.purge("reset", "pyfactor", null), RunStatusTest.PLAN_RESULT);
    UserDataPurge again = planned(Resources.purge("reset", "pyfactor", null), RunStatusTest.PLAN_RESULT);
    assertThat(again.getStatus().getPlan().getId()).isEqualTo(one.getStatus().getPlan().getId());

    UserDataPurge otherCounts = planned(Resources.purge("reset", "pyfactor", null),
        RunStatusTest.PLAN_RESULT.replace("\"before\":40,\"after\":40", "\"before\":41,\"after\":41"));
    assertThat(otherCounts.getStatus().getPlan().getId()).isNotEqualTo(one.getStatus().getPlan().getId());

    UserDataPurge later = Resources.purge("reset", "pyfactor", null);
    later.getMetadata().setGeneration(2L);
    assertThat(planned(later, RunStatusTest.PLAN_RESULT).getStatus().getPlan().getId())
        .isNotEqualTo(one.getStatus().getPlan().getId());
  }

  @Test
  void approvalOfTheCurrentPlanCreatesThePurgeJobConfirmingTheDatabase() {
    UserDataPurge resource = planned(Resources.purge("reset", "pyfactor", null), RunStatusTest.PLAN_RESULT);
    approve(resource, resource.getStatus().getPlan().getId());

    assertThat(RunDecision.settled(resource)).isFalse();
    assertThat(RunMode.of(resource)).isEqualTo(RunMode.Purge);
    Job job = decision.decide(Observed.noJob(resource), NOW).jobToCreate().orElseThrow();
    assertThat(job.getMetadata().getName()).contains("-purge-");
    assertThat(job.getSpec().getTemplate().getSpec().getContainers().get(0).getArgs())
        .containsSubsequence("--confirm", "pyfactor").doesNotContain("--dry-run");
  }

  @Test
  void approvedRunRecordsThePlanAndTheApprovalTimeOnceAndKeepsThemToTheEnd() {
    UserDataPurge resource = planned(Resources.purge("reset", "pyfactor", null), RunStatusTest.PLAN_RESULT);
    String planId = resource.getStatus().getPlan().getId();
    approve(resource, planId);
    UserDataPurgeStatus planStatus = resource.getStatus();

    Decision running = decision.decide(new Observed(resource, created(resource), List.of()), NOW);
    assertThat(running.status().getPhase()).isEqualTo(Phase.Running);
    assertThat(running.status().getPlan().getId()).isEqualTo(planId);
    assertThat(running.status().getApproval().getPlanId()).isEqualTo(planId);
    assertThat(running.status().getApproval().getApprovedAt()).isEqualTo("2026-11-26T05:00:03Z");
    assertThat(running.approvedNow(planStatus)).as("an Event records the approval").isTrue();

    resource.setStatus(running.status());
    Job done = created(resource);
    done.setStatus(RunStatusTest.job("Complete", null).getStatus());
    Decision finished = decision.decide(new Observed(resource, done, List.of(terminated(0, PURGE_RESULT))),
        NOW.plusSeconds(30));
    assertThat(finished.status().getPhase()).isEqualTo(Phase.Succeeded);
    assertThat(finished.status().getApproval().getApprovedAt()).as("approved once").isEqualTo("2026-11-26T05:00:03Z");
    assertThat(finished.approvedNow(running.status())).isFalse();
    resource.setStatus(finished.status());
    assertThat(RunDecision.settled(resource)).isTrue();
    assertThat(RunMode.of(resource)).as("the finished run stays the purge it was").isEqualTo(RunMode.Purge);
  }

  @Test
  void approvalOfAnotherPlanRunsNothingAndSaysWhichPlanIsCurrent() {
    UserDataPurge resource = planned(Resources.purge("reset", "pyfactor", null), RunStatusTest.PLAN_RESULT);
    String current = resource.getStatus().getPlan().getId();
    approve(resource, "0123456789ab");

    assertThat(RunMode.of(resource)).isEqualTo(RunMode.Plan);
    Decision d = decision.decide(Observed.noJob(resource), NOW);
    assertThat(d.actions()).as("no Job").isEmpty();
    assertThat(d.status().getPhase()).isEqualTo(Phase.AwaitingConfirmation);
    assertThat(d.status().getReason()).isEqualTo("ApprovalStale");
    assertThat(d.status().getMessage()).contains("0123456789ab", current, "nothing was run", "kubectl purge approve reset");
    assertThat(d.status().getPlan().getId()).isEqualTo(current);
    assertThat(d.transition()).as("a Warning Event").isTrue();

    resource.setStatus(d.status());
    assertThat(decision.decide(Observed.noJob(resource), NOW)).as("said once").isEqualTo(Decision.NONE);

    resource.getMetadata().setAnnotations(Map.of());
    Decision cleared = decision.decide(Observed.noJob(resource), NOW);
    assertThat(cleared.status().getReason()).isNull();
    assertThat(cleared.status().getMessage()).contains("Plan " + current, "kubectl purge approve reset");
    resource.setStatus(cleared.status());
    assertThat(RunDecision.settled(resource)).isTrue();
  }

  @Test
  void approvalOfThePreviousGenerationsPlanDoesNotApproveTheNewSpec() {
    UserDataPurge resource = planned(Resources.purge("reset", "pyfactor", null), RunStatusTest.PLAN_RESULT);
    approve(resource, resource.getStatus().getPlan().getId());
    nextGeneration(resource);

    assertThat(RunMode.of(resource)).as("the plan in status is of generation 1").isEqualTo(RunMode.Plan);
    Job job = decision.decide(Observed.noJob(resource), NOW).jobToCreate().orElseThrow();
    assertThat(job.getMetadata().getName()).contains("-plan-");
    UserDataPurge replanned = planned(resource, RunStatusTest.PLAN_RESULT);
    assertThat(replanned.getStatus().getReason()).as("the old approval is answered with the new plan")
        .isEqualTo("ApprovalStale");
    assertThat(replanned.getStatus().getMessage()).contains(replanned.getStatus().getPlan().getId());
    assertThat(decision.decide(Observed.noJob(replanned), NOW)).as("and only once").isEqualTo(Decision.NONE);
  }

  @Test
  void dryRunIsNeverPurgedByAnApproval() {
    UserDataPurge resource = planned(Resources.purge("reset", "pyfactor", null), RunStatusTest.PLAN_RESULT);
    approve(resource, resource.getStatus().getPlan().getId());
    resource.getSpec().setDryRun(true);
    assertThat(RunMode.of(resource)).isEqualTo(RunMode.Plan);
  }

  @Test
  void onlyGenerationDeletionAndTheApprovalAnnotationWakeTheReconciler() {
    ApprovalEventFilter filter = new ApprovalEventFilter();
    UserDataPurge old = Resources.purge("reset", "pyfactor", null);
    UserDataPurge statusOnly = Resources.purge("reset", "pyfactor", null);
    statusOnly.setStatus(new UserDataPurgeStatus());
    statusOnly.getMetadata().setLabels(Map.of("app", "x"));
    statusOnly.getMetadata().setAnnotations(Map.of("kubectl.kubernetes.io/last-applied-configuration", "{}"));
    assertThat(filter.accept(statusOnly, old)).isFalse();
    assertThat(filter.accept(nextGeneration(Resources.purge("reset", "pyfactor", null)), old)).isTrue();
    assertThat(filter.accept(approve(Resources.purge("reset", "pyfactor", null), "abc"), old)).isTrue();
    assertThat(filter.accept(old, approve(Resources.purge("reset", "pyfactor", null), "abc"))).as("removed").isTrue();
    UserDataPurge deleting = Resources.purge("reset", "pyfactor", null);
    deleting.getMetadata().setDeletionTimestamp("2026-11-26T05:00:00Z");
    assertThat(filter.accept(deleting, old)).isTrue();
  }

  // --- settled runs

  @Test
  void finalPhaseOfTheCurrentGenerationIsSettledAndNeverLookedAtAgain() {
    UserDataPurge resource = Resources.purge("reset", "pyfactor", null);
    for (Phase phase : List.of(Phase.AwaitingConfirmation, Phase.Succeeded, Phase.Failed, Phase.Blocked)) {
      UserDataPurgeStatus previous = new UserDataPurgeStatus();
      previous.setPhase(phase);
      previous.setObservedGeneration(1L);
      previous.setJobName(JobNames.of(resource, RunMode.Plan));
      resource.setStatus(previous);
      assertThat(RunDecision.settled(resource)).as(phase.name()).isTrue();
      assertThat(decision.decide(Observed.noJob(resource), NOW)).as("its Job may be gone by TTL")
          .isEqualTo(Decision.NONE);
    }
  }

  @Test
  void runIsNotSettledWhileItWorksOrWhenTheSpecChanged() {
    UserDataPurge resource = Resources.purge("reset", "pyfactor", null);
    assertThat(RunDecision.settled(resource)).as("no status").isFalse();
    resource.setStatus(new UserDataPurgeStatus());
    resource.getStatus().setObservedGeneration(1L);
    assertThat(RunDecision.settled(resource)).as("no phase").isFalse();
    resource.getStatus().setPhase(Phase.Running);
    assertThat(RunDecision.settled(resource)).as("running").isFalse();
    resource.getStatus().setPhase(Phase.Succeeded);
    assertThat(RunDecision.settled(nextGeneration(resource))).as("a new generation").isFalse();
  }

  // --- lost Jobs

  @Test
  void jobTheStatusNamesThatNoLongerExistsIsLostAndNotRecreated() {
    UserDataPurge resource = afterRunStarted(Resources.purge("reset", "pyfactor", "pyfactor"));
    Decision d = decision.decide(Observed.noJob(resource), NOW);
    assertThat(d.actions()).as("re-creating it could purge twice").isEmpty();
    assertThat(d.status().getPhase()).isEqualTo(Phase.Failed);
    assertThat(d.status().getReason()).isEqualTo("JobLost");
    assertThat(d.status().getJobName()).isEqualTo(JobNames.of(resource, RunMode.Purge));
    assertThat(d.status().getDryRun()).isFalse();
    assertThat(d.transition()).isTrue();
    assertThat(d.status().condition("Stalled").getStatus()).isEqualTo("True");
  }

  // --- superseded runs

  @Test
  void specChangeDuringARunDeletesItsJobBeforeCreatingTheNextOne() {
    UserDataPurge resource = afterRunStarted(Resources.purge("reset", "pyfactor", "pyfactor"));
    String running = resource.getStatus().getJobName();
    resource.getSpec().setConfirm(null);
    nextGeneration(resource);

    Decision d = decision.decide(Observed.noJob(resource), NOW);
    assertThat(d.actions()).hasSize(2);
    assertThat(d.actions().get(0)).isEqualTo(new DeleteJob(running));
    assertThat(((CreateJob) d.actions().get(1)).job().getMetadata().getName())
        .isEqualTo(JobNames.of(resource, RunMode.Plan)).isNotEqualTo(running);
    assertThat(RunDecision.superseded(resource)).contains(running);
  }

  @Test
  void theNextRunWaitsUntilTheSupersededJobIsGone() {
    UserDataPurge resource = afterRunStarted(Resources.purge("reset", "pyfactor", "pyfactor"));
    String running = resource.getStatus().getJobName();
    resource.getSpec().setConfirm(null);
    nextGeneration(resource);
    Job stopping = new JobBuilder().withNewMetadata().withName(running).endMetadata().build();

    Decision first = decision.decide(new Observed(resource, null, List.of(), List.of(), stopping), NOW);
    assertThat(first.actions()).as("delete it, create nothing yet").containsExactly(new DeleteJob(running));
    assertThat(first.status()).isNull();

    stopping.getMetadata().setDeletionTimestamp(NOW.toString());
    Decision again = decision.decide(new Observed(resource, null, List.of(), List.of(), stopping), NOW.plusSeconds(1));
    assertThat(again.actions()).as("already being deleted: nothing to do but wait").isEmpty();
    assertThat(again.status()).isNull();

    Decision gone = decision.decide(Observed.noJob(resource), NOW.plusSeconds(2));
    assertThat(gone.jobToCreate()).map(j -> j.getMetadata().getName()).contains(JobNames.of(resource, RunMode.Plan));
  }

  @Test
  void refusedSpecDuringARunDeletesItsJobAndIsBlocked() {
    UserDataPurge resource = afterRunStarted(Resources.purge("reset", "pyfactor", "pyfactor"));
    String running = resource.getStatus().getJobName();
    resource.getSpec().setConfirm("pyfactor2");
    nextGeneration(resource);

    Decision d = decision.decide(Observed.noJob(resource), NOW);
    assertThat(d.actions()).containsExactly(new DeleteJob(running));
    assertThat(d.status().getPhase()).isEqualTo(Phase.Blocked);
    assertThat(d.status().getReason()).isEqualTo("ConfirmationMismatch");
    assertThat(d.status().getObservedGeneration()).isEqualTo(2L);
  }

  @Test
  void refusalWinsEvenOverAJobOfTheCurrentGeneration() {
    UserDataPurge resource = Resources.purge("reset", "pyfactor", "pyfactor");
    Job job = created(resource);
    resource.getSpec().getDatabase().setName("shop_prod");
    resource.getSpec().setConfirm("shop_prod");
    Decision d = decision.decide(new Observed(resource, job, List.of()), NOW);
    assertThat(d.status().getReason()).isEqualTo("ProtectedDatabase");
    assertThat(d.actions()).isEmpty();
  }

  @Test
  void onceTheNextRunsJobExistsTheSupersededOneIsNotDeletedAgain() {
    UserDataPurge resource = afterRunStarted(Resources.purge("reset", "pyfactor", "pyfactor"));
    resource.getSpec().setConfirm(null);
    nextGeneration(resource);
    Decision d = decision.decide(new Observed(resource, created(resource), List.of()), NOW);
    assertThat(d.actions()).isEmpty();
    assertThat(d.status().getPhase()).isEqualTo(Phase.Planning);
    assertThat(d.status().getObservedGeneration()).isEqualTo(2L);
  }

  @Test
  void onlyAWorkingRunOfAnEarlierGenerationIsSuperseded() {
    UserDataPurge resource = afterRunStarted(Resources.purge("reset", "pyfactor", "pyfactor"));
    assertThat(RunDecision.superseded(resource)).as("same generation").isEmpty();
    nextGeneration(resource);
    assertThat(RunDecision.superseded(resource)).as("running, earlier generation").isPresent();
    resource.getStatus().setPhase(Phase.AwaitingConfirmation);
    assertThat(RunDecision.superseded(resource)).as("a plan that ended").isEmpty();
    resource.getStatus().setPhase(null);
    assertThat(RunDecision.superseded(resource)).as("no phase").isEmpty();
    resource.getStatus().setPhase(Phase.Planning);
    resource.getStatus().setJobName(null);
    assertThat(RunDecision.superseded(resource)).as("no Job").isEmpty();
    resource.setStatus(null);
    assertThat(RunDecision.superseded(resource)).as("no status").isEmpty();
  }

  // --- refusals

  @Test
  void protectedDatabaseIsBlockedWhateverTheConfirmation() {
    UserDataPurgeStatus status = decision.refusal(Resources.purge("r", "shop_PROD", "shop_PROD")).orElseThrow();
    assertThat(status.getPhase()).isEqualTo(Phase.Blocked);
    assertThat(status.getReason()).isEqualTo("ProtectedDatabase");
    assertThat(status.getMessage()).contains("shop_PROD", "(?i).*prod.*");
  }

  @Test
  void confirmationThatDoesNotNameTheDatabaseIsBlocked() {
    UserDataPurgeStatus status = decision.refusal(Resources.purge("r", "pyfactor", "pyfactor2")).orElseThrow();
    assertThat(status.getPhase()).isEqualTo(Phase.Blocked);
    assertThat(status.getReason()).isEqualTo("ConfirmationMismatch");
    assertThat(status.getMessage()).contains("set confirm to pyfactor");
  }

  @Test
  void tableInBothTablesAndKeepIsBlocked() {
    UserDataPurge resource = Resources.purge("r", "pyfactor", null);
    resource.getSpec().setKeep(List.of("auth_user"));
    UserDataPurgeStatus status = decision.refusal(resource).orElseThrow();
    assertThat(status.getReason()).isEqualTo("PlanInvalid");
    assertThat(status.getMessage()).contains("[auth_user]");
  }

  @Test
  void aSpecFieldThisOperatorDoesNotKnowIsBlockedNamingEachFieldAndCreatesNoJob() {
    UserDataPurge resource = Resources.purge("reset", "pyfactor", "pyfactor");
    resource.addUnknownField("spec.onlyOlderThan");
    resource.addUnknownField("spec.database.poolSize");

    Decision d = decision.decide(Observed.noJob(resource), NOW);

    assertThat(d.actions()).isEmpty();
    assertThat(d.transition()).isTrue();
    assertThat(d.status().getPhase()).isEqualTo(Phase.Blocked);
    assertThat(d.status().getReason()).isEqualTo("UnknownFields");
    assertThat(d.status().getMessage()).isEqualTo("This operator (version dev) does not know spec.onlyOlderThan,"
        + " spec.database.poolSize: upgrade the operator to the version of the installed CRD, or remove the fields."
        + " Nothing was run.");
    assertThat(d.status().condition("Stalled").getStatus()).isEqualTo("True");
    assertThat(d.status().condition("Ready").getReason()).isEqualTo("UnknownFields");
  }

  @Test
  void anUnknownFieldWinsOverEveryOtherRefusalAndOnlySpecFieldsCount() {
    UserDataPurge resource = Resources.purge("r", "shop_prod", "pyfactor");
    resource.addUnknownField("spec.onlyOlderThan");
    assertThat(decision.refusal(resource).orElseThrow().getMessage())
        .startsWith("This operator (version dev) does not know spec.onlyOlderThan: ").endsWith("remove the field. Nothing was run.");
    UserDataPurge statusOnly = Resources.purge("r", "pyfactor", null);
    statusOnly.addUnknownField("status.retries");
    assertThat(decision.refusal(statusOnly)).isEmpty();
  }

  @Test
  void anOperatorThatKnowsTheFieldRunsWhatAnOlderOneRefusedAndTheOlderOneLeavesItBlocked() {
    UserDataPurge refused = Resources.purge("reset", "pyfactor", "pyfactor");
    refused.addUnknownField("spec.onlyOlderThan");
    refused.setStatus(decision.decide(Observed.noJob(refused), NOW).status());
    assertThat(RunDecision.settled(refused)).as("the older operator: settled").isTrue();
    assertThat(decision.decide(Observed.noJob(refused), NOW.plusSeconds(60))).isEqualTo(Decision.NONE);

    UserDataPurge upgraded = Resources.purge("reset", "pyfactor", "pyfactor");
    upgraded.setStatus(refused.getStatus());
    assertThat(RunDecision.settled(upgraded)).as("the upgraded operator knows every field").isFalse();
    Decision d = decision.decide(Observed.noJob(upgraded), NOW.plusSeconds(60));
    assertThat(d.jobToCreate()).map(j -> j.getMetadata().getName()).contains(JobNames.of(upgraded, RunMode.Purge));
  }

  @Test
  void plainUnconfirmedOrConfirmedSpecIsAccepted() {
    assertThat(decision.refusal(Resources.purge("r", "pyfactor", null))).isEmpty();
    assertThat(decision.refusal(Resources.purge("r", "pyfactor", "pyfactor"))).isEmpty();
    UserDataPurge keeping = Resources.purge("r", "pyfactor", null);
    keeping.getSpec().setKeep(List.of("django_session"));
    assertThat(decision.refusal(keeping)).isEmpty();
  }

  @Test
  void modeIsPurgeOnlyWhenConfirmedAndNotDryRun() {
    UserDataPurge confirmed = Resources.purge("r", "pyfactor", "pyfactor");
    assertThat(RunMode.of(confirmed)).isEqualTo(RunMode.Purge);
    confirmed.getSpec().setDryRun(true);
    assertThat(RunMode.of(confirmed)).isEqualTo(RunMode.Plan);
    assertThat(RunMode.of(Resources.purge("r", "pyfactor", null))).isEqualTo(RunMode.Plan);
  }

  // --- errors

  @Test
  void errorKeepsWhatTheRunShowedAndSaysItRetries() {
    UserDataPurge resource = afterRunStarted(Resources.purge("reset", "pyfactor", "pyfactor"));
    UserDataPurgeStatus status = RunDecision.onError(resource, new IllegalStateException("API server said 403"),
        2, false, NOW);
    assertThat(status.getPhase()).as("a working phase stays").isEqualTo(Phase.Running);
    assertThat(status.getJobName()).isEqualTo(resource.getStatus().getJobName());
    assertThat(status.getReason()).isEqualTo("ReconcileError");
    assertThat(status.getMessage())
        .isEqualTo("The operator could not reconcile: API server said 403 (attempt 2, retrying).");
    assertThat(status.condition("Reconciling").getStatus()).isEqualTo("True");
    assertThat(status.condition("Reconciling").getReason()).isEqualTo("ReconcileError");
    assertThat(status.condition("Ready").getLastTransitionTime()).isEqualTo("2026-11-26T05:00:03Z");
    assertThat(resource.getStatus().getReason()).as("the last status is not modified").isNull();
  }

  @Test
  void errorOnTheLastAttemptSaysNoRetriesAreLeft() {
    UserDataPurge resource = Resources.purge("reset", "pyfactor", null);
    assertThat(RunDecision.onError(resource, new RuntimeException("boom"), 6, true, NOW).getMessage())
        .isEqualTo("The operator could not reconcile: boom (attempt 6, no retries left: the next change to the"
            + " resource or its Job tries again).");
    assertThat(RunDecision.onError(resource, new RuntimeException("boom"), null, false, NOW).getMessage())
        .as("no retry configured").isEqualTo("The operator could not reconcile: boom (no retries left: the next change"
            + " to the resource or its Job tries again).");
  }

  @Test
  void errorOfANewGenerationStartsCleanAndIsNeverFinal() {
    UserDataPurge resource = afterRunStarted(Resources.purge("reset", "pyfactor", "pyfactor"));
    nextGeneration(resource);
    UserDataPurgeStatus status = RunDecision.onError(resource, new RuntimeException("boom"), 1, false, NOW);
    assertThat(status.getPhase()).isEqualTo(Phase.Pending);
    assertThat(status.getObservedGeneration()).isEqualTo(2L);
    assertThat(status.getJobName()).as("the last run's Job is not this generation's").isNull();

    UserDataPurge failed = Resources.purge("reset", "pyfactor", null);
    failed.setStatus(RunStatus.jobLost(failed, RunMode.Plan, "reset-plan-x"));
    UserDataPurgeStatus retryable = RunDecision.onError(failed, new RuntimeException("boom"), 1, false, NOW);
    assertThat(retryable.getPhase()).as("a final phase would end the run").isEqualTo(Phase.Pending);
    assertThat(retryable.getJobName()).isEqualTo("reset-plan-x");
  }

  // --- observation helpers

  @Test
  void podsMapToTheResourceNamedByTheirAnnotation() {
    assertThat(RunEventSources.owner(Map.of(PurgeJob.RESOURCE_ANNOTATION, "reset"))).contains("reset");
    assertThat(RunEventSources.owner(Map.of("other", "x"))).isEmpty();
    assertThat(RunEventSources.owner(null)).isEmpty();
  }
}
