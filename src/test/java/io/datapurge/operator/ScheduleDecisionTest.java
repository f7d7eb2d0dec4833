package io.datapurge.operator;

import static org.assertj.core.api.Assertions.assertThat;

import io.datapurge.api.ConcurrencyPolicy;
import io.datapurge.api.DatabaseSpec;
import io.datapurge.api.Phase;
import io.datapurge.api.PurgeTemplate;
import io.datapurge.api.Totals;
import io.datapurge.api.UserDataPurge;
import io.datapurge.api.UserDataPurgeSchedule;
import io.datapurge.api.UserDataPurgeScheduleStatus;
import io.datapurge.api.UserDataPurgeScheduleSpec;
import io.datapurge.api.UserDataPurgeSpec;
import io.datapurge.api.UserDataPurgeStatus;
import io.datapurge.operator.ScheduleDecision.CreateRun;
import io.datapurge.operator.ScheduleDecision.Decision;
import io.datapurge.operator.ScheduleDecision.DeleteRun;
import io.datapurge.testing.ManualClock;
import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.javaoperatorsdk.operator.api.reconciler.RetryInfo;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The schedule's rules walked with a fixed clock: no cluster, no waiting for minutes to pass. */
class ScheduleDecisionTest {

  static final String UID = "5c1e-uid";
  final ManualClock clock = new ManualClock(Instant.parse("2026-12-01T12:00:45Z"));

  static UserDataPurgeSchedule schedule(String cron, String created) {
    UserDataPurgeSchedule s = new UserDataPurgeSchedule();
    s.setMetadata(new ObjectMetaBuilder().withName("reset-nightly").withNamespace("staging").withUid(UID)
        .withGeneration(1L).withCreationTimestamp(created).build());
    UserDataPurgeScheduleSpec spec = new UserDataPurgeScheduleSpec();
    spec.setSchedule(cron);
    PurgeTemplate template = new PurgeTemplate();
    UserDataPurgeSpec purge = new UserDataPurgeSpec();
    DatabaseSpec db = new DatabaseSpec();
    db.setName("pyfactor");
    purge.setDatabase(db);
    purge.setTables(List.of("auth_user"));
    purge.setConfirm("pyfactor");
    template.setSpec(purge);
    spec.setTemplate(template);
    s.setSpec(spec);
    return s;
  }

  static UserDataPurge run(UserDataPurgeSchedule schedule, String tick, Phase phase) {
    UserDataPurge run = ScheduleDecision.run(schedule, Instant.parse(tick));
    run.getMetadata().setGeneration(1L);
    if (phase != null) {
      UserDataPurgeStatus status = new UserDataPurgeStatus();
      status.setPhase(phase);
      status.setObservedGeneration(1L);
      status.setTotals(new Totals(100L, phase == Phase.Succeeded ? 0L : 100L));
      status.setCompletionTime(phase.isFinal() ? Instant.parse(tick).plusSeconds(7).toString() : null);
      run.setStatus(status);
    }
    return run;
  }

  Decision decide(UserDataPurgeSchedule schedule, UserDataPurge... runs) {
    return ScheduleDecision.decide(schedule, List.of(runs), clock.instant());
  }

  /** What the reconciler writes becomes the schedule's status on the next reconcile. */
  static UserDataPurgeSchedule after(UserDataPurgeSchedule schedule, Decision d) {
    if (d.status() != null) {
      schedule.setStatus(d.status());
    }
    return schedule;
  }

  static List<UserDataPurge> created(Decision d) {
    return d.actions().stream().filter(CreateRun.class::isInstance).map(a -> ((CreateRun) a).run()).toList();
  }

  static List<DeleteRun> deleted(Decision d) {
    return d.actions().stream().filter(DeleteRun.class::isInstance).map(DeleteRun.class::cast).toList();
  }

  @Test
  void theRunOfATickIsNamedAfterTheScheduleAndTheTickInMinutesSinceTheEpoch() {
    UserDataPurgeSchedule s = schedule("0 3 * * *", "2026-11-01T00:00:00Z");
    Instant tick = Instant.parse("2026-12-01T03:00:00Z");

    UserDataPurge run = ScheduleDecision.run(s, tick);

    assertThat(run.getMetadata().getName()).isEqualTo("reset-nightly-" + tick.getEpochSecond() / 60)
        .isEqualTo("reset-nightly-29934900");
    assertThat(ScheduleDecision.runName("s".repeat(63), tick)).hasSizeLessThanOrEqualTo(253).hasSize(72);
    assertThat(run.getMetadata().getLabels()).containsEntry("datapurge.io/schedule", "reset-nightly");
    assertThat(run.getMetadata().getAnnotations()).containsEntry("datapurge.io/scheduled-time", "2026-12-01T03:00:00Z");
    assertThat(run.getMetadata().getOwnerReferences()).singleElement().satisfies(o -> {
      assertThat(o.getUid()).isEqualTo(UID);
      assertThat(o.getKind()).isEqualTo("UserDataPurgeSchedule");
      assertThat(o.getController()).isTrue();
      assertThat(o.getBlockOwnerDeletion()).isTrue();
    });
    assertThat(run.getSpec().getConfirm()).isEqualTo("pyfactor");
    assertThat(run.getSpec()).isNotSameAs(s.getSpec().getTemplate().getSpec());
    assertThat(ScheduleDecision.scheduledTime(run)).isEqualTo(tick);
  }

  @Test
  void aTickBeforeTheScheduleExistedNeverRunsAndTheScheduleWakesJustAfterTheNextOne() {
    UserDataPurgeSchedule s = schedule("* * * * *", "2026-12-01T12:00:30Z");

    Decision d = decide(s);

    assertThat(d.actions()).isEmpty();
    assertThat(d.status().getNextScheduleTime()).isEqualTo("2026-12-01T12:01:00Z");
    assertThat(d.wakeAfter()).contains(Duration.ofSeconds(15).plus(ScheduleDecision.AFTER_TICK));
    assertThat(d.status().condition("Ready").getStatus()).isEqualTo("True");
    assertThat(d.status().condition("Ready").getReason()).isEqualTo("Scheduling");
    assertThat(d.status().condition("Stalled").getStatus()).isEqualTo("False");
  }

  @Test
  void aDueTickCreatesExactlyOneRunAndASecondReconcileOrALostStatusDoesNotCreateAnother() {
    UserDataPurgeSchedule s = schedule("* * * * *", "2026-12-01T12:00:30Z");
    clock.advance(Duration.ofMillis(15_100)); // 12:01:00.1

    Decision d = decide(s);
    assertThat(created(d)).extracting(r -> r.getMetadata().getName()).containsExactly("reset-nightly-29935441");
    assertThat(d.status().getLastScheduleTime()).isEqualTo("2026-12-01T12:01:00Z");
    assertThat(d.status().getActive()).containsExactly("reset-nightly-29935441");
    assertThat(d.status().getLastRun().getPhase()).isEqualTo(Phase.Pending);
    assertThat(d.outcomes()).extracting(ScheduleDecision.Outcome::outcome).containsExactly("created");

    UserDataPurge run = run(s, "2026-12-01T12:01:00Z", null);
    assertThat(created(decide(after(s, d), run))).as("status written").isEmpty();
    assertThat(created(decide(schedule("* * * * *", "2026-12-01T12:00:30Z"), run))).as("status lost, run exists").isEmpty();
  }

  @Test
  void aStaleStatusNeverMovesTheLastScheduleTimeBehindTheRunsThatExist() {
    UserDataPurgeSchedule s = schedule("* * * * *", "2026-12-01T11:00:00Z");
    s.setStatus(new io.datapurge.api.UserDataPurgeScheduleStatus());
    s.getStatus().setObservedGeneration(1L);
    s.getStatus().setLastScheduleTime("2026-12-01T11:59:00Z"); // written before the 12:00 run was created
    clock.advance(Duration.ofSeconds(20)); // 12:01:05, the 12:01 run also exists

    Decision d = decide(s, run(s, "2026-12-01T12:00:00Z", Phase.Succeeded), run(s, "2026-12-01T12:01:00Z", null));

    assertThat(created(d)).isEmpty();
    assertThat(d.status().getLastScheduleTime()).isEqualTo("2026-12-01T12:01:00Z");
    assertThat(d.status().getLastRun().getName()).isEqualTo(ScheduleDecision.runName("reset-nightly",
        Instant.parse("2026-12-01T12:01:00Z")));
  }

  @Test
  void afterHoursDownOnlyTheLatestMissedTickRunsOnceNeverABurst() {
    UserDataPurgeSchedule s = schedule("0 * * * *", "2026-11-01T00:00:00Z");
    s.setStatus(new io.datapurge.api.UserDataPurgeScheduleStatus());
    s.getStatus().setObservedGeneration(1L);
    s.getStatus().setLastScheduleTime("2026-12-01T09:00:00Z");
    clock.advance(Duration.ofMinutes(20)); // 12:20:45

    Decision d = decide(s);

    assertThat(created(d)).extracting(ScheduleDecision::scheduledTime).containsExactly(Instant.parse("2026-12-01T12:00:00Z"));
    assertThat(d.notes()).singleElement().satisfies(n -> assertThat(n.message()).contains("missed", "1245s late"));
    UserDataPurgeSchedule later = after(s, d);
    assertThat(created(decide(later, run(later, "2026-12-01T12:00:00Z", null)))).isEmpty();
  }

  @Test
  void aMissedTickLaterThanTheStartingDeadlineIsSkippedAndRecorded() {
    UserDataPurgeSchedule s = schedule("0 * * * *", "2026-11-01T00:00:00Z");
    s.getSpec().setStartingDeadlineSeconds(600L);
    clock.advance(Duration.ofMinutes(20)); // 20 minutes after 12:00

    Decision d = decide(s);

    assertThat(created(d)).isEmpty();
    assertThat(d.status().getLastSkip().getScheduledTime()).isEqualTo("2026-12-01T12:00:00Z");
    assertThat(d.status().getLastSkip().getReason()).isEqualTo("MissedDeadline");
    assertThat(d.notes()).singleElement().satisfies(n -> {
      assertThat(n.warning()).isTrue();
      assertThat(n.reason()).isEqualTo("SkippedMissedDeadline");
      assertThat(n.message()).contains("startingDeadlineSeconds (600s)");
    });
    assertThat(d.outcomes()).containsExactly(new ScheduleDecision.Outcome("skipped_missed_deadline", "2026-12-01T12:00:00Z"));
    assertThat(decide(after(s, d)).actions()).as("skipped once, not retried").isEmpty();
  }

  @Test
  void withinTheStartingDeadlineTheMissedTickRuns() {
    UserDataPurgeSchedule s = schedule("0 * * * *", "2026-11-01T00:00:00Z");
    s.getSpec().setStartingDeadlineSeconds(3600L);
    clock.advance(Duration.ofMinutes(20));

    assertThat(created(decide(s))).hasSize(1);
  }

  @Test
  void aTickExactlyAtTheStartingDeadlineStillRunsOneSecondLaterItIsSkipped() {
    UserDataPurgeSchedule atDeadline = schedule("0 * * * *", "2026-11-01T00:00:00Z");
    atDeadline.getSpec().setStartingDeadlineSeconds(600L);
    clock.advance(Duration.ofSeconds(555)); // 12:10:00, the 12:00 tick is 600 s late
    assertThat(created(decide(atDeadline))).hasSize(1);

    UserDataPurgeSchedule past = schedule("0 * * * *", "2026-11-01T00:00:00Z");
    past.getSpec().setStartingDeadlineSeconds(600L);
    clock.advance(Duration.ofSeconds(1));
    assertThat(created(decide(past))).isEmpty();
    assertThat(decide(past).status().getLastSkip().getReason()).isEqualTo("MissedDeadline");
  }

  @Test
  void aRunCreatedMoreThanAMinuteLateSaysItWasMissed() {
    Decision onTime = decide(schedule("0 * * * *", "2026-11-01T00:00:00Z")); // 45 s after the tick
    assertThat(onTime.notes()).singleElement().satisfies(n -> assertThat(n.message()).doesNotContain("missed"));

    clock.advance(Duration.ofSeconds(15)); // 60 s: still on time
    assertThat(decide(schedule("0 * * * *", "2026-11-01T00:00:00Z")).notes()).singleElement()
        .satisfies(n -> assertThat(n.message()).doesNotContain("missed"));

    clock.advance(Duration.ofMinutes(19));
    Decision late = decide(schedule("0 * * * *", "2026-11-01T00:00:00Z"));
    assertThat(late.notes()).singleElement().satisfies(n ->
        assertThat(n.message()).contains("(missed, 1200s late; earlier missed ticks are not run)"));
  }

  @Test
  void theCrdsDefaultStatusOfAFreshScheduleIsNotASpecChange() {
    UserDataPurgeSchedule s = schedule("0 * * * *", "2026-11-01T00:00:00Z");
    UserDataPurgeScheduleStatus fresh = new UserDataPurgeScheduleStatus();
    fresh.setObservedGeneration(0L); // what the schema defaults before the operator's first write
    s.setStatus(fresh);

    assertThat(created(decide(s))).as("the due tick runs").hasSize(1);
  }

  @Test
  void forbidSkipsATickWhileARunStillWorks() {
    UserDataPurgeSchedule s = schedule("* * * * *", "2026-12-01T11:00:00Z");
    UserDataPurge working = run(s, "2026-12-01T11:59:00Z", Phase.Running);
    clock.advance(Duration.ofSeconds(20)); // 12:01:05

    Decision d = decide(s, working);

    assertThat(d.actions()).isEmpty();
    assertThat(d.status().getActive()).containsExactly(working.getMetadata().getName());
    assertThat(d.status().getLastSkip().getReason()).isEqualTo("ConcurrencyForbid");
    assertThat(d.status().getLastSkip().getScheduledTime()).isEqualTo("2026-12-01T12:01:00Z");
    assertThat(d.notes()).extracting(ScheduleDecision.Note::reason).containsExactly("SkippedConcurrencyForbid");
    assertThat(d.status().getLastRun().getName()).isEqualTo(working.getMetadata().getName());
  }

  @Test
  void replaceCancelsTheWorkingRunAndCreatesTheNewOneOnlyOnceItIsGone() {
    UserDataPurgeSchedule s = schedule("* * * * *", "2026-12-01T11:00:00Z");
    s.getSpec().setConcurrencyPolicy(ConcurrencyPolicy.Replace);
    UserDataPurge working = run(s, "2026-12-01T11:59:00Z", Phase.Running);
    clock.advance(Duration.ofSeconds(20));

    Decision cancel = decide(s, working);
    assertThat(deleted(cancel)).containsExactly(new DeleteRun(working.getMetadata().getName(), true));
    assertThat(created(cancel)).isEmpty();
    assertThat(cancel.wakeAfter()).contains(ScheduleDecision.REPLACE_POLL);

    working.getMetadata().setDeletionTimestamp("2026-12-01T12:01:06Z");
    Decision waiting = decide(after(s, cancel), working);
    assertThat(waiting.actions()).as("deleting: neither deleted again nor replaced yet").isEmpty();

    Decision replaced = decide(after(s, waiting));
    assertThat(created(replaced)).extracting(ScheduleDecision::scheduledTime)
        .containsExactly(Instant.parse("2026-12-01T12:01:00Z"));
  }

  @Test
  void aFailedRunNeverStopsLaterTicks() {
    UserDataPurgeSchedule s = schedule("* * * * *", "2026-12-01T11:00:00Z");
    UserDataPurge failed = run(s, "2026-12-01T11:59:00Z", Phase.Failed);
    clock.advance(Duration.ofSeconds(20));

    Decision d = decide(s, failed);

    assertThat(created(d)).hasSize(1);
    assertThat(d.status().condition("Ready").getStatus()).isEqualTo("True");
  }

  @Test
  void suspendedNothingRunsAndTicksPassedWhileSuspendedDoNotRunAfterResuming() {
    UserDataPurgeSchedule s = schedule("* * * * *", "2026-12-01T11:00:00Z");
    s.getSpec().setSuspend(true);
    clock.advance(Duration.ofSeconds(20));

    Decision suspended = decide(s);
    assertThat(suspended.actions()).isEmpty();
    assertThat(suspended.wakeAfter()).isEmpty();
    assertThat(suspended.status().getNextScheduleTime()).isNull();
    assertThat(suspended.status().condition("Ready").getReason()).isEqualTo("Suspended");

    UserDataPurgeSchedule resumed = after(s, suspended);
    resumed.getSpec().setSuspend(false);
    resumed.getMetadata().setGeneration(2L);
    clock.advance(Duration.ofMinutes(3));
    Decision d = decide(resumed);
    assertThat(created(d)).isEmpty();
    assertThat(d.status().getLastSkip().getReason()).isEqualTo("Suspended");
    assertThat(d.status().getNextScheduleTime()).isEqualTo("2026-12-01T12:05:00Z");
    assertThat(d.status().condition("Ready").getReason()).isEqualTo("Scheduling");

    clock.advance(Duration.ofSeconds(60)); // 12:05:05
    assertThat(created(decide(after(resumed, d)))).as("the next tick runs").hasSize(1);
  }

  @Test
  void historyLimitsDeleteTheOldestFinishedRunsOfEachKindAndNeverAWorkingOne() {
    UserDataPurgeSchedule s = schedule("0 * * * *", "2026-11-01T00:00:00Z");
    List<UserDataPurge> runs = new ArrayList<>();
    for (int h = 1; h <= 5; h++) {
      runs.add(run(s, "2026-12-01T0" + h + ":00:00Z", h == 2 ? Phase.AwaitingConfirmation : Phase.Succeeded));
    }
    runs.add(run(s, "2026-12-01T06:00:00Z", Phase.Failed));
    runs.add(run(s, "2026-12-01T07:00:00Z", Phase.Blocked));
    runs.add(run(s, "2026-12-01T08:00:00Z", Phase.Failed));
    runs.add(run(s, "2026-12-01T00:00:00Z", Phase.Running)); // oldest, still working
    List<UserDataPurge> owned = runs.stream().sorted(java.util.Comparator.comparing(ScheduleDecision::scheduledTime)).toList();

    List<DeleteRun> pruned = ScheduleDecision.prune(owned, s.getSpec());

    assertThat(pruned).extracting(DeleteRun::name).containsExactlyInAnyOrder(
        runs.get(0).getMetadata().getName(), runs.get(1).getMetadata().getName(), // 01:00, 02:00 (of five successful, keep 3)
        runs.get(5).getMetadata().getName(), runs.get(6).getMetadata().getName()); // 06:00, 07:00 (of three failed, keep 1)
    assertThat(pruned).noneMatch(DeleteRun::cancel);

    s.getSpec().setSuccessfulRunsHistoryLimit(0);
    s.getSpec().setFailedRunsHistoryLimit(5);
    assertThat(ScheduleDecision.prune(owned, s.getSpec())).hasSize(5);
  }

  @Test
  void theLatestRunIsReportedWithItsCountsAndEachFinishedRunIsCountedOnce() {
    UserDataPurgeSchedule s = schedule("0 * * * *", "2026-11-01T00:00:00Z");
    UserDataPurge done = run(s, "2026-12-01T12:00:00Z", Phase.Succeeded);
    s.setStatus(new io.datapurge.api.UserDataPurgeScheduleStatus());
    s.getStatus().setObservedGeneration(1L);
    s.getStatus().setLastScheduleTime("2026-12-01T12:00:00Z");
    s.getStatus().setActive(List.of(done.getMetadata().getName()));

    Decision d = decide(s, done);

    assertThat(d.status().getActive()).isEmpty();
    assertThat(d.status().getLastRun().getName()).isEqualTo(done.getMetadata().getName());
    assertThat(d.status().getLastRun().getPhase()).isEqualTo(Phase.Succeeded);
    assertThat(d.status().getLastRun().getTotals().getBefore()).isEqualTo(100L);
    assertThat(d.status().getLastSuccessfulTime()).isEqualTo("2026-12-01T12:00:07Z");
    assertThat(d.outcomes()).containsExactly(new ScheduleDecision.Outcome("succeeded", done.getMetadata().getName()));

    Decision again = decide(after(s, d), done);
    assertThat(again.outcomes()).isEmpty();
    assertThat(again.status()).as("nothing changed: nothing to write").isNull();
  }

  @Test
  void aSpecFieldThisOperatorDoesNotKnowIsStalledNamingItAndNeitherCreatesNorDeletesRuns() {
    UserDataPurgeSchedule s = schedule("* * * * *", "2026-12-01T11:00:00Z");
    s.getSpec().setSuccessfulRunsHistoryLimit(0);
    s.addUnknownField("spec.template.spec.onlyOlderThan");
    clock.advance(Duration.ofMillis(15_100)); // a tick is due

    Decision d = decide(s, run(s, "2026-12-01T11:30:00Z", Phase.Succeeded));

    assertThat(d.actions()).as("no run created, no history pruned").isEmpty();
    assertThat(d.status().condition("Stalled").getStatus()).isEqualTo("True");
    assertThat(d.status().condition("Ready").getStatus()).isEqualTo("False");
    assertThat(d.status().condition("Ready").getReason()).isEqualTo("UnknownFields");
    assertThat(d.status().condition("Ready").getMessage())
        .isEqualTo("This operator (version dev) does not know spec.template.spec.onlyOlderThan: upgrade the operator"
            + " to the version of the installed CRD, or remove the field. No run is created.");
    assertThat(d.wakeAfter()).as("only a change (the field removed) wakes it").isEmpty();
    assertThat(d.status().getNextScheduleTime()).isNull();
  }

  @Test
  void anUnknownStatusFieldOfTheScheduleChangesNothing() {
    UserDataPurgeSchedule s = schedule("* * * * *", "2026-12-01T11:00:00Z");
    s.addUnknownField("status.jitterApplied");
    clock.advance(Duration.ofMillis(15_100));
    assertThat(created(decide(s))).hasSize(1);
  }

  @Test
  void anUnknownTimeZoneOrAnOutOfRangeFieldIsStalledAndStillPrunesHistory() {
    UserDataPurgeSchedule s = schedule("0 3 * * *", "2026-11-01T00:00:00Z");
    s.getSpec().setTimeZone("Mars/Olympus");
    s.getSpec().setSuccessfulRunsHistoryLimit(0);

    Decision d = decide(s, run(s, "2026-11-30T03:00:00Z", Phase.Succeeded));

    assertThat(d.status().condition("Stalled").getStatus()).isEqualTo("True");
    assertThat(d.status().condition("Stalled").getReason()).isEqualTo("InvalidTimeZone");
    assertThat(d.status().condition("Ready").getStatus()).isEqualTo("False");
    assertThat(d.status().getNextScheduleTime()).isNull();
    assertThat(d.wakeAfter()).isEmpty();
    assertThat(deleted(d)).hasSize(1);
    assertThat(created(d)).isEmpty();

    s.getSpec().setTimeZone(null);
    s.getSpec().setSchedule("61 * * * *");
    assertThat(decide(s).status().condition("Stalled").getReason()).isEqualTo("InvalidSchedule");
  }

  @Test
  void aScheduleChangeTakesEffectAtOnceWithoutCatchingUpTheNewSchedule() {
    UserDataPurgeSchedule s = schedule("0 3 * * *", "2026-11-01T00:00:00Z");
    Decision first = decide(s);
    assertThat(first.status().getNextScheduleTime()).isEqualTo("2026-12-02T03:00:00Z");

    UserDataPurgeSchedule changed = after(s, first);
    changed.getSpec().setSchedule("*/15 * * * *");
    changed.getMetadata().setGeneration(2L);
    Decision d = decide(changed);

    assertThat(created(d)).isEmpty();
    assertThat(d.status().getLastSkip().getReason()).isEqualTo("SpecChanged");
    assertThat(d.status().getNextScheduleTime()).isEqualTo("2026-12-01T12:15:00Z");
    assertThat(d.wakeAfter()).contains(Duration.ofSeconds(14 * 60 + 15).plus(ScheduleDecision.AFTER_TICK));
  }

  @Test
  void aFailedReconcileKeepsWhatTheScheduleShowedAndSaysWhetherItRetries() {
    UserDataPurgeSchedule s = schedule("* * * * *", "2026-12-01T11:00:00Z");
    Decision d = decide(s);
    s = after(s, d);

    var retrying = ScheduleDecision.onError(s, new IllegalStateException("admission webhook denied"),
        Optional.of(retry(0, false)), clock.instant());
    var exhausted = ScheduleDecision.onError(s, new IllegalStateException("forbidden"), Optional.of(retry(4, true)),
        clock.instant());
    var noRetry = ScheduleDecision.onError(s, new IllegalStateException("forbidden"), Optional.empty(), clock.instant());

    assertThat(retrying.getNextScheduleTime()).isEqualTo(d.status().getNextScheduleTime());
    assertThat(retrying.condition("Ready").getStatus()).isEqualTo("False");
    assertThat(retrying.condition("Ready").getReason()).isEqualTo("ReconcileError");
    assertThat(retrying.condition("Ready").getMessage()).contains("admission webhook denied", "attempt 1, retrying");
    assertThat(retrying.condition("Stalled").getStatus()).isEqualTo("False");
    assertThat(exhausted.condition("Ready").getMessage()).contains("no retries left");
    assertThat(noRetry.condition("Ready").getMessage()).contains("no retries left");
  }

  /** JOSDK's retry state: {@code attempts} so far (the failed one not counted), and whether it was the last. */
  static RetryInfo retry(int attempts, boolean last) {
    return new RetryInfo() {
      @Override
      public int getAttemptCount() {
        return attempts;
      }

      @Override
      public boolean isLastAttempt() {
        return last;
      }
    };
  }

  @Test
  void runsOfOtherSchedulesAreIgnored() {
    UserDataPurgeSchedule s = schedule("* * * * *", "2026-12-01T11:00:00Z");
    UserDataPurge foreign = run(s, "2026-12-01T11:59:00Z", Phase.Running);
    foreign.getMetadata().setOwnerReferences(List.of(new OwnerReferenceBuilder().withUid("other").build()));
    clock.advance(Duration.ofSeconds(20));

    Decision d = decide(s, foreign);

    assertThat(created(d)).hasSize(1);
    assertThat(d.status().getActive()).doesNotContain(foreign.getMetadata().getName());
  }

  @Test
  void aCancelledRunIsDeletedInTheForegroundSoTheTickWaitsForItsPodAndHistoryInTheBackground() {
    assertThat(new DeleteRun("reset-nightly-1", true).propagation()).isEqualTo(DeletionPropagation.FOREGROUND);
    assertThat(new DeleteRun("reset-nightly-1", false).propagation()).isEqualTo(DeletionPropagation.BACKGROUND);
  }

  @Test
  void theRequeueIsJustAfterTheNextTickAndNeverZero() {
    UserDataPurgeSchedule s = schedule("* * * * *", "2026-12-01T12:00:30Z");
    assertThat(decide(s).requeueMillis()).contains(15_000L + ScheduleDecision.AFTER_TICK.toMillis());

    Decision due = new Decision(null, List.of(), List.of(), Optional.of(Duration.ofNanos(10)), List.of(), Optional.empty());
    assertThat(due.requeueMillis()).contains(1L);
    s.getSpec().setSuspend(true);
    assertThat(decide(s).requeueMillis()).as("suspended: only a change wakes it").isEmpty();
  }

  @Test
  void activeRunsTheCacheDoesNotShowAreReadFromTheApi() {
    UserDataPurgeSchedule s = schedule("* * * * *", "2026-12-01T11:00:00Z");
    UserDataPurge seen = run(s, "2026-12-01T11:58:00Z", Phase.Running);
    s.setStatus(new UserDataPurgeScheduleStatus());
    s.getStatus().setActive(List.of(seen.getMetadata().getName(), "reset-nightly-29935439"));

    assertThat(ScheduleDecision.unseenActive(s.getStatus(), List.of(seen))).containsExactly("reset-nightly-29935439");
    assertThat(ScheduleDecision.unseenActive(s.getStatus(), List.of())).hasSize(2);
    assertThat(ScheduleDecision.unseenActive(null, List.of())).isEmpty();
    s.getStatus().setActive(null);
    assertThat(ScheduleDecision.unseenActive(s.getStatus(), List.of(seen))).isEmpty();
  }

  @Test
  void theStatusWriteCarriesOnlyNameNamespaceAndStatusSoItOwnsNoSpecField() {
    UserDataPurgeSchedule s = schedule("* * * * *", "2026-12-01T11:00:00Z");
    Decision d = decide(s);

    UserDataPurgeSchedule patch = ScheduleDecision.statusOnly(s, d.status());

    assertThat(patch.getMetadata().getName()).isEqualTo("reset-nightly");
    assertThat(patch.getMetadata().getNamespace()).isEqualTo("staging");
    assertThat(patch.getMetadata().getUid()).isNull();
    assertThat(patch.getMetadata().getGeneration()).isNull();
    assertThat(patch.getSpec()).isNull();
    assertThat(patch.getStatus()).isSameAs(d.status());
    assertThat(ScheduleDecision.key(s)).isEqualTo("staging/reset-nightly");
  }

  @Test
  void theSameEventOrCountOfTwoSchedulesIsAnnouncedForEach() {
    var note = new ScheduleDecision.Note(true, "SkippedConcurrencyForbid", "Tick 2026-12-01T12:01:00Z came while …");
    var outcome = new ScheduleDecision.Outcome("created", "reset-nightly-29935441");

    assertThat(note.key("uid-a")).isEqualTo(new ScheduleDecision.Note(true, note.reason(), note.message()).key("uid-a"))
        .isNotEqualTo(note.key("uid-b"))
        .isNotEqualTo(new ScheduleDecision.Note(true, note.reason(), "Tick 2026-12-01T12:02:00Z came while …").key("uid-a"));
    assertThat(outcome.key("uid-a")).isNotEqualTo(outcome.key("uid-b"))
        .isNotEqualTo(new ScheduleDecision.Outcome("succeeded", outcome.subject()).key("uid-a"));
  }

  @Test
  void aSkipStaysShownAndIsNotAnnouncedAgainOnTheNextReconcile() {
    UserDataPurgeSchedule s = schedule("0 * * * *", "2026-11-01T00:00:00Z");
    s.getSpec().setStartingDeadlineSeconds(600L);
    clock.advance(Duration.ofMinutes(20));
    Decision skipped = decide(s);

    Decision again = decide(after(s, skipped));

    assertThat(again.status()).as("nothing new to write").isNull();
    assertThat(again.notes()).isEmpty();
    assertThat(again.outcomes()).isEmpty();
    assertThat(s.getStatus().getLastSkip().getReason()).isEqualTo("MissedDeadline");
  }

  @Test
  void theSkipMessageSaysWhetherTheTickPassedWhileSuspendedOrBeforeASpecChange() {
    UserDataPurgeSchedule suspended = schedule("* * * * *", "2026-12-01T11:00:00Z");
    suspended.getSpec().setSuspend(true);
    UserDataPurgeSchedule resumed = after(suspended, decide(suspended));
    resumed.getSpec().setSuspend(false);
    resumed.getMetadata().setGeneration(2L);
    clock.advance(Duration.ofMinutes(2));
    assertThat(decide(resumed).status().getLastSkip().getMessage()).contains("passed while spec.suspend was true");

    UserDataPurgeSchedule changed = schedule("* * * * *", "2026-12-01T11:00:00Z");
    changed = after(changed, decide(changed));
    changed.getMetadata().setGeneration(2L);
    clock.advance(Duration.ofMinutes(2));
    assertThat(decide(changed).status().getLastSkip().getMessage())
        .contains("passed before the spec change was seen").doesNotContain("suspend");
  }

  @Test
  void aScheduleWithNoFutureTickIsStalledAndNeverWakesByItself() {
    Decision d = decide(schedule("0 0 30 2 *", "2026-11-01T00:00:00Z")); // 30 February

    assertThat(d.status().getNextScheduleTime()).isNull();
    assertThat(d.wakeAfter()).isEmpty();
    assertThat(d.status().condition("Ready").getStatus()).isEqualTo("False");
    assertThat(d.status().condition("Ready").getReason()).isEqualTo("NoFutureTick");
    assertThat(d.status().condition("Stalled").getStatus()).isEqualTo("True");
    assertThat(d.status().condition("Stalled").getReason()).isEqualTo("NoFutureTick");
    assertThat(d.status().condition("Stalled").getMessage()).contains("'0 0 30 2 *' has no tick in the future");
  }

  @Test
  void theReadyMessageNamesTheNextTickAndItsTimeZone() {
    assertThat(decide(schedule("0 3 * * *", "2026-11-01T00:00:00Z")).status().condition("Ready").getMessage())
        .isEqualTo("Next tick at 2026-12-02T03:00:00Z (UTC)");
    UserDataPurgeSchedule berlin = schedule("0 3 * * *", "2026-11-01T00:00:00Z");
    berlin.getSpec().setTimeZone("Europe/Berlin");
    Decision d = decide(berlin);
    assertThat(d.status().condition("Ready").getMessage()).isEqualTo("Next tick at 2026-12-02T02:00:00Z (Europe/Berlin)");
    assertThat(d.status().condition("Stalled").getReason()).isEqualTo("Scheduling");
    assertThat(d.status().condition("Stalled").getMessage()).isEmpty();

    berlin.getSpec().setTimeZone("Mars/Olympus");
    assertThat(decide(berlin).status().condition("Stalled").getMessage()).isNotEmpty()
        .isEqualTo(decide(berlin).status().condition("Ready").getMessage());
  }

  @Test
  void aConditionKeepsItsTransitionTimeUntilItsStatusChanges() {
    UserDataPurgeSchedule s = schedule("* * * * *", "2026-12-01T11:00:00Z");
    s = after(s, decide(s));
    String since = s.getStatus().condition("Ready").getLastTransitionTime();
    assertThat(since).isEqualTo("2026-12-01T12:00:45Z");

    clock.advance(Duration.ofMinutes(5));
    s = after(s, decide(s));
    assertThat(s.getStatus().condition("Ready").getLastTransitionTime()).as("still True").isEqualTo(since);

    s.getSpec().setSuspend(true);
    s.getMetadata().setGeneration(2L);
    s = after(s, decide(s));
    assertThat(s.getStatus().condition("Ready").getLastTransitionTime()).as("still True: Suspended").isEqualTo(since);
    assertThat(s.getStatus().condition("Stalled").getLastTransitionTime()).isEqualTo(since);

    s.getSpec().setTimeZone("Mars/Olympus");
    clock.advance(Duration.ofMinutes(1));
    s = after(s, decide(s));
    assertThat(s.getStatus().condition("Ready").getLastTransitionTime()).as("now False").isEqualTo("2026-12-01T12:06:45Z");

    s.getStatus().condition("Stalled").setLastTransitionTime(null); // written by hand, or by an older operator
    clock.advance(Duration.ofMinutes(1));
    assertThat(decide(s).status().condition("Stalled").getLastTransitionTime()).isEqualTo("2026-12-01T12:07:45Z");
  }

  @Test
  void anErrorStatusShowsTheGenerationItWasFor() {
    UserDataPurgeSchedule s = schedule("* * * * *", "2026-12-01T11:00:00Z");
    s = after(s, decide(s));
    s.getMetadata().setGeneration(2L);

    var status = ScheduleDecision.onError(s, new IllegalStateException("forbidden"), Optional.empty(), clock.instant());
    assertThat(status.getObservedGeneration()).isEqualTo(2L);
    assertThat(status.condition("Ready").getObservedGeneration()).isEqualTo(2L);
    assertThat(s.getStatus().getObservedGeneration()).as("the schedule's own status is not changed").isEqualTo(1L);

    s.getMetadata().setGeneration(null);
    assertThat(ScheduleDecision.onError(s, new IllegalStateException("x"), Optional.empty(), clock.instant())
        .getObservedGeneration()).isZero();
  }

  @Test
  void unsetHistoryLimitsKeepThreeSuccessfulRunsAndOneFailed() {
    UserDataPurgeSchedule s = schedule("0 * * * *", "2026-11-01T00:00:00Z");
    s.getSpec().setSuccessfulRunsHistoryLimit(null);
    s.getSpec().setFailedRunsHistoryLimit(null);
    List<UserDataPurge> owned = new ArrayList<>();
    for (int h = 1; h <= 4; h++) {
      owned.add(run(s, "2026-12-01T0" + h + ":00:00Z", Phase.Succeeded));
    }
    owned.add(run(s, "2026-12-01T05:00:00Z", Phase.Failed));
    owned.add(run(s, "2026-12-01T06:00:00Z", Phase.Failed));

    assertThat(ScheduleDecision.prune(owned, s.getSpec())).extracting(DeleteRun::name)
        .containsExactly(owned.get(0).getMetadata().getName(), owned.get(4).getMetadata().getName());
  }

  @Test
  void aRunWithoutTheScheduledTimeAnnotationIsPlacedByItsName() {
    UserDataPurgeSchedule s = schedule("0 3 * * *", "2026-11-01T00:00:00Z");
    UserDataPurge run = run(s, "2026-12-01T03:00:00Z", Phase.Succeeded);
    run.getMetadata().setAnnotations(null);
    assertThat(ScheduleDecision.scheduledTime(run)).isEqualTo(Instant.parse("2026-12-01T03:00:00Z"));
    run.getMetadata().setAnnotations(java.util.Map.of("other", "x"));
    assertThat(ScheduleDecision.scheduledTime(run)).isEqualTo(Instant.parse("2026-12-01T03:00:00Z"));

    run.getMetadata().setName("reset-nightly-manual");
    assertThat(ScheduleDecision.scheduledTime(run)).as("not a tick's name: oldest").isEqualTo(Instant.EPOCH);
  }

  @Test
  void aTickTheStatusRecordsIsNotRunAgainAfterItsRunWasDeleted() {
    UserDataPurgeSchedule s = schedule("* * * * *", "2026-12-01T11:00:00Z");
    clock.advance(Duration.ofMillis(15_100)); // 12:01:00.1
    Decision created = decide(s);
    assertThat(created(created)).hasSize(1);

    clock.advance(Duration.ofSeconds(20));
    Decision afterDelete = decide(after(s, created)); // the run was deleted by hand; no run exists

    assertThat(created(afterDelete)).isEmpty();
    assertThat(afterDelete.status() == null ? s.getStatus().getLastScheduleTime()
        : afterDelete.status().getLastScheduleTime()).isEqualTo("2026-12-01T12:01:00Z");
  }

  @Test
  void aTickTheStatusRecordsAsSkippedIsNotRunOnceTheBlockingRunIsGone() {
    UserDataPurgeSchedule s = schedule("* * * * *", "2026-12-01T11:00:00Z");
    UserDataPurge working = run(s, "2026-12-01T11:59:00Z", Phase.Running);
    clock.advance(Duration.ofSeconds(20)); // 12:01:05
    Decision skipped = decide(s, working);
    assertThat(skipped.status().getLastSkip().getScheduledTime()).isEqualTo("2026-12-01T12:01:00Z");
    s = after(s, skipped);
    s.getStatus().setLastScheduleTime(null); // as a status written before any run

    assertThat(created(decide(s))).as("the working run was deleted: the skipped tick stays skipped").isEmpty();
  }
}
