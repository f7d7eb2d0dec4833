package io.datapurge.operator;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.datapurge.api.ConcurrencyPolicy;
import io.datapurge.api.Phase;
import io.datapurge.api.ScheduledRun;
import io.datapurge.api.SkippedTick;
import io.datapurge.api.UserDataPurge;
import io.datapurge.api.UserDataPurgeSchedule;
import io.datapurge.api.UserDataPurgeScheduleSpec;
import io.datapurge.api.UserDataPurgeScheduleStatus;
import io.datapurge.api.UserDataPurgeSpec;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.javaoperatorsdk.operator.api.reconciler.RetryInfo;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The schedule's decision as a value: from the schedule (spec, last status), the runs it owns and
 * the time, the next status, the runs to create and delete, the Events to record and when to wake
 * up. No client and no clock: every rule is a millisecond test ({@code ScheduleDecisionTest}).
 *
 * <p>The rules, in order: a spec field this operator does not know is Stalled, and nothing is created
 * or deleted; an invalid schedule or time zone is Stalled (history is still pruned);
 * finished runs beyond the history limits are deleted, oldest first, per kind; suspended, nothing
 * runs; otherwise the latest tick at or before now that was not yet handled (created, or skipped)
 * is considered, only that one (at most one catch-up, never a burst), and only if it is after the
 * schedule's creation: it is skipped when it passed during a spec change or suspension, when it is
 * later than {@code startingDeadlineSeconds}, or (Forbid) while a run is working; with Replace the
 * working runs are deleted first and the tick runs once they are gone.
 */
final class ScheduleDecision {

  static final String LABEL = "datapurge.io/schedule";
  static final String SCHEDULED_TIME = "datapurge.io/scheduled-time";
  static final String READY = "Ready";
  static final String STALLED = "Stalled";
  /** How soon to look again while a replaced run is still being deleted (its deletion also wakes us). */
  static final Duration REPLACE_POLL = Duration.ofSeconds(2);
  /** Timers may fire a little early; waking just after the tick makes it due. */
  static final Duration AFTER_TICK = Duration.ofMillis(100);
  private static final ObjectMapper JSON = new ObjectMapper();

  /** What to do to the cluster. */
  sealed interface Action permits CreateRun, DeleteRun {}

  /** Create the tick's run; a 409 means an earlier attempt created it: it is never created twice. */
  record CreateRun(UserDataPurge run) implements Action {}

  /** Delete a run: {@code cancel} (Replace: foreground, the Job and pod go first) or pruned history. */
  record DeleteRun(String name, boolean cancel) implements Action {
    /** A cancelled run is gone only once its Job and pod are (the tick waits for that); history goes in the background. */
    DeletionPropagation propagation() {
      return cancel ? DeletionPropagation.FOREGROUND : DeletionPropagation.BACKGROUND;
    }
  }

  /** An Event on the schedule. */
  record Note(boolean warning, String reason, String message) {
    /** The same Event of the same schedule (its uid) is recorded once, however often it is decided. */
    String key(String uid) {
      return uid + "/" + reason + "/" + message;
    }
  }

  /** One count of datapurge_schedule_runs_total; {@code subject} (a run or a tick) makes it countable once. */
  record Outcome(String outcome, String subject) {
    String key(String uid) {
      return uid + "/" + outcome + "/" + subject;
    }
  }

  /**
   * {@code status} null when unchanged; {@code wakeAfter} empty when only a change wakes the schedule;
   * {@code outcomes}: what to count (runs created, finished, replaced; ticks skipped).
   */
  record Decision(UserDataPurgeScheduleStatus status, List<Action> actions, List<Note> notes,
      Optional<Duration> wakeAfter, List<Outcome> outcomes, Optional<Instant> next) {

    /** The requeue JOSDK is asked for, in milliseconds: at least 1, as a tick due now still needs a reconcile. */
    Optional<Long> requeueMillis() {
      return wakeAfter.map(d -> Math.max(1, d.toMillis()));
    }
  }

  private ScheduleDecision() {}

  /** The metrics' {@code schedule} tag: namespace/name. */
  static String key(UserDataPurgeSchedule schedule) {
    return schedule.getMetadata().getNamespace() + "/" + schedule.getMetadata().getName();
  }

  /**
   * The runs the last status lists as active that the informer's cache does not show (yet): a run created
   * moments ago may be missing there; the reconciler reads these from the API before deciding.
   */
  static List<String> unseenActive(UserDataPurgeScheduleStatus previous, Collection<UserDataPurge> cached) {
    if (previous == null || previous.getActive() == null) {
      return List.of();
    }
    return previous.getActive().stream()
        .filter(name -> cached.stream().noneMatch(r -> name.equals(r.getMetadata().getName()))).toList();
  }

  /** What the status write sends: a fresh object with only name, namespace and status (server-side apply owns nothing else). */
  static UserDataPurgeSchedule statusOnly(UserDataPurgeSchedule schedule, UserDataPurgeScheduleStatus status) {
    UserDataPurgeSchedule fresh = new UserDataPurgeSchedule();
    fresh.setMetadata(new ObjectMetaBuilder().withName(schedule.getMetadata().getName())
        .withNamespace(schedule.getMetadata().getNamespace()).build());
    fresh.setStatus(status);
    return fresh;
  }

  /** The run of the tick {@code tick}: {@code <schedule>-<minutes since the epoch>} (at most 63 + 9 characters). */
  static String runName(String schedule, Instant tick) {
    return schedule + "-" + tick.getEpochSecond() / 60;
  }

  static Decision decide(UserDataPurgeSchedule schedule, Collection<UserDataPurge> runs, Instant now) {
    UserDataPurgeScheduleSpec spec = schedule.getSpec();
    UserDataPurgeScheduleStatus previous = schedule.getStatus();
    long generation = schedule.getMetadata().getGeneration() == null ? 0 : schedule.getMetadata().getGeneration();
    String name = schedule.getMetadata().getName();

    List<UserDataPurge> owned = runs.stream().filter(r -> ownedBy(r, schedule))
        .sorted(Comparator.comparing(ScheduleDecision::scheduledTime)).toList();
    List<UserDataPurge> working = owned.stream().filter(r -> !finished(r)).toList();

    UserDataPurgeScheduleStatus next = new UserDataPurgeScheduleStatus();
    next.setObservedGeneration(generation);
    // The runs themselves say which ticks ran: a status read from a cache older than our last write
    // must not move lastScheduleTime back.
    next.setLastScheduleTime(Stream.concat(time(previous == null ? null : previous.getLastScheduleTime()).stream(),
            owned.stream().map(ScheduleDecision::scheduledTime))
        .max(Comparator.naturalOrder()).map(ScheduleDecision::format).orElse(null));
    next.setLastSkip(previous == null ? null : previous.getLastSkip());
    next.setLastSuccessfulTime(lastSuccessfulTime(previous, owned));
    next.setLastRun(owned.isEmpty() ? (previous == null ? null : previous.getLastRun()) : run(owned.get(owned.size() - 1)));
    next.setActive(working.stream().map(r -> r.getMetadata().getName()).toList());

    List<Action> actions = new ArrayList<>(prune(owned, spec));
    List<Note> notes = new ArrayList<>();
    List<Outcome> outcomes = new ArrayList<>(finishedSince(previous, owned));

    List<String> unknown = RunDecision.unknownSpecFields(schedule);
    if (!unknown.isEmpty()) {
      // An unknown field may restrict what runs or what history is kept: nothing is created or deleted.
      conditions(next, previous, generation, false, RunDecision.UNKNOWN_FIELDS, RunDecision.unknownFieldsMessage(unknown)
          + " No run is created.", true, now);
      return decision(previous, next, List.of(), notes, Optional.empty(), outcomes, Optional.empty());
    }
    CronSchedule.Result parsed = CronSchedule.parse(spec.getSchedule(), spec.getTimeZone());
    if (parsed.invalid() != null) {
      conditions(next, previous, generation, false, parsed.invalid().reason(), parsed.invalid().message(), true, now);
      return decision(previous, next, actions, notes, Optional.empty(), outcomes, Optional.empty());
    }
    CronSchedule cron = parsed.schedule();
    if (Boolean.TRUE.equals(spec.getSuspend())) {
      conditions(next, previous, generation, true, "Suspended",
          "spec.suspend is true: no new runs; ticks passed while suspended never run", false, now);
      return decision(previous, next, actions, notes, Optional.empty(), outcomes, Optional.empty());
    }

    Instant handled = Stream.of(Optional.ofNullable(schedule.getMetadata().getCreationTimestamp()).map(Instant::parse),
            time(next.getLastScheduleTime()), time(next.getLastSkip() == null ? null : next.getLastSkip().getScheduledTime()),
            owned.stream().map(ScheduleDecision::scheduledTime).max(Comparator.naturalOrder()))
        .flatMap(Optional::stream).max(Comparator.naturalOrder()).orElse(Instant.EPOCH);
    Optional<Instant> due = cron.latest(now).filter(t -> t.isAfter(handled));
    Optional<Duration> wake = Optional.empty();
    if (due.isPresent()) {
      Instant tick = due.get();
      boolean specChanged = previous != null && previous.getObservedGeneration() != null
          && previous.getObservedGeneration() > 0 && previous.getObservedGeneration() != generation;
      boolean wasSuspended = previous != null && previous.condition(READY) != null
          && "Suspended".equals(previous.condition(READY).getReason());
      long late = Duration.between(tick, now).toSeconds();
      if (specChanged) {
        skip(next, notes, outcomes, tick, wasSuspended ? "Suspended" : "SpecChanged", wasSuspended
            ? "passed while spec.suspend was true; it does not run after resuming"
            : "passed before the spec change was seen; a changed schedule does not catch up");
      } else if (spec.getStartingDeadlineSeconds() != null && late > spec.getStartingDeadlineSeconds()) {
        skip(next, notes, outcomes, tick, "MissedDeadline", "was missed (the operator was not running) and is "
            + late + "s late, more than spec.startingDeadlineSeconds (" + spec.getStartingDeadlineSeconds() + "s)");
      } else if (!working.isEmpty() && spec.getConcurrencyPolicy() != ConcurrencyPolicy.Replace) {
        skip(next, notes, outcomes, tick, "ConcurrencyForbid", "came while " + next.getActive()
            + " still works and spec.concurrencyPolicy is Forbid");
      } else if (!working.isEmpty()) {
        for (UserDataPurge r : working) {
          if (r.getMetadata().getDeletionTimestamp() == null) {
            actions.add(new DeleteRun(r.getMetadata().getName(), true));
            notes.add(new Note(false, "Replacing", "Tick " + format(tick) + ": cancelling " + r.getMetadata().getName()
                + " (spec.concurrencyPolicy Replace); its transaction rolls back, then " + runName(name, tick) + " starts"));
            outcomes.add(new Outcome("replaced", r.getMetadata().getName()));
          }
        }
        wake = Optional.of(REPLACE_POLL);
      } else {
        UserDataPurge run = run(schedule, tick);
        actions.add(new CreateRun(run));
        next.setLastScheduleTime(format(tick));
        next.setLastRun(new ScheduledRun(run.getMetadata().getName(), Phase.Pending, format(tick), null));
        next.setActive(Stream.concat(next.getActive().stream(), Stream.of(run.getMetadata().getName())).toList());
        notes.add(new Note(false, "Scheduled", "Tick " + format(tick) + (late > 60 ? " (missed, " + late
            + "s late; earlier missed ticks are not run)" : "") + ": created " + run.getMetadata().getName()));
        outcomes.add(new Outcome("created", run.getMetadata().getName()));
      }
    }
    Optional<Instant> upcoming = cron.next(now);
    next.setNextScheduleTime(upcoming.map(ScheduleDecision::format).orElse(null));
    if (wake.isEmpty()) {
      wake = upcoming.map(t -> Duration.between(now, t).plus(AFTER_TICK));
    }
    if (upcoming.isEmpty()) {
      conditions(next, previous, generation, false, "NoFutureTick", "spec.schedule '" + spec.getSchedule()
          + "' has no tick in the future (e.g. 30 February); fix spec.schedule", true, now);
    } else {
      conditions(next, previous, generation, true, "Scheduling", "Next tick at " + next.getNextScheduleTime()
          + (spec.getTimeZone() == null ? " (UTC)" : " (" + spec.getTimeZone() + ")"), false, now);
    }
    return decision(previous, next, actions, notes, wake, outcomes, upcoming);
  }

  /**
   * The status after a failed reconcile (e.g. the API refused the run): what the schedule showed, with
   * Ready False, reason ReconcileError, and whether JOSDK retries ({@code retry}: the attempts so far,
   * empty when no retry is configured).
   */
  static UserDataPurgeScheduleStatus onError(UserDataPurgeSchedule schedule, Exception e, Optional<RetryInfo> retry,
      Instant now) {
    UserDataPurgeScheduleStatus previous = schedule.getStatus();
    UserDataPurgeScheduleStatus next = previous == null ? new UserDataPurgeScheduleStatus()
        : JSON.convertValue(previous, UserDataPurgeScheduleStatus.class);
    long generation = schedule.getMetadata().getGeneration() == null ? 0 : schedule.getMetadata().getGeneration();
    next.setObservedGeneration(generation);
    String retrying = retry.filter(r -> !r.isLastAttempt()).map(r -> "attempt " + (r.getAttemptCount() + 1) + ", retrying")
        .orElse("no retries left: the next change to the schedule or its runs, or the next tick, tries again");
    conditions(next, previous, generation, false, "ReconcileError",
        "The operator could not reconcile: " + e.getMessage() + " (" + retrying + ")", false, now);
    return next;
  }

  /** Finished runs beyond the history limits, oldest first, for successful and failed runs apart. */
  static List<DeleteRun> prune(List<UserDataPurge> ownedOldestFirst, UserDataPurgeScheduleSpec spec) {
    List<DeleteRun> deletes = new ArrayList<>();
    for (boolean successful : List.of(true, false)) {
      int limit = Optional.ofNullable(successful ? spec.getSuccessfulRunsHistoryLimit() : spec.getFailedRunsHistoryLimit())
          .orElse(successful ? 3 : 1);
      List<UserDataPurge> kind = ownedOldestFirst.stream()
          .filter(r -> finished(r) && successful(r) == successful && r.getMetadata().getDeletionTimestamp() == null)
          .toList();
      kind.subList(0, Math.max(0, kind.size() - limit))
          .forEach(r -> deletes.add(new DeleteRun(r.getMetadata().getName(), false)));
    }
    return deletes;
  }

  /** The UserDataPurge of one tick: owned by the schedule (garbage-collected with it), labelled, the template's spec. */
  static UserDataPurge run(UserDataPurgeSchedule schedule, Instant tick) {
    var meta = schedule.getMetadata();
    UserDataPurge run = new UserDataPurge();
    run.setMetadata(new ObjectMetaBuilder()
        .withName(runName(meta.getName(), tick))
        .withNamespace(meta.getNamespace())
        .withLabels(Map.of(LABEL, meta.getName(), "app.kubernetes.io/managed-by", PhaseEvents.COMPONENT))
        .withAnnotations(Map.of(SCHEDULED_TIME, format(tick)))
        .withOwnerReferences(new OwnerReferenceBuilder()
            .withApiVersion(schedule.getApiVersion()).withKind(schedule.getKind())
            .withName(meta.getName()).withUid(meta.getUid())
            .withController(true).withBlockOwnerDeletion(true).build())
        .build());
    run.setSpec(JSON.convertValue(schedule.getSpec().getTemplate().getSpec(), UserDataPurgeSpec.class));
    return run;
  }

  static boolean ownedBy(UserDataPurge run, UserDataPurgeSchedule schedule) {
    return run.getMetadata().getOwnerReferences() != null && run.getMetadata().getOwnerReferences().stream()
        .anyMatch(o -> Objects.equals(o.getUid(), schedule.getMetadata().getUid()));
  }

  /** A run is finished once its own status shows a final phase for its spec. */
  static boolean finished(UserDataPurge run) {
    return RunDecision.settled(run);
  }

  /** Succeeded and AwaitingConfirmation (a scheduled plan) count as successful; Failed and Blocked do not. */
  static boolean successful(UserDataPurge run) {
    Phase phase = run.getStatus().getPhase();
    return phase == Phase.Succeeded || phase == Phase.AwaitingConfirmation;
  }

  static Instant scheduledTime(UserDataPurge run) {
    Map<String, String> annotations = run.getMetadata().getAnnotations();
    if (annotations != null && annotations.get(SCHEDULED_TIME) != null) {
      return Instant.parse(annotations.get(SCHEDULED_TIME));
    }
    String name = run.getMetadata().getName();
    try {
      return Instant.ofEpochSecond(Long.parseLong(name.substring(name.lastIndexOf('-') + 1)) * 60);
    } catch (NumberFormatException e) {
      return Instant.EPOCH;
    }
  }

  private static ScheduledRun run(UserDataPurge run) {
    var status = run.getStatus();
    return new ScheduledRun(run.getMetadata().getName(),
        status == null || status.getPhase() == null ? Phase.Pending : status.getPhase(),
        format(scheduledTime(run)), status == null ? null : status.getTotals());
  }

  private static String lastSuccessfulTime(UserDataPurgeScheduleStatus previous, List<UserDataPurge> owned) {
    return Stream.concat(Stream.ofNullable(previous == null ? null : previous.getLastSuccessfulTime()),
            owned.stream().filter(r -> finished(r) && r.getStatus().getPhase() == Phase.Succeeded)
                .map(r -> r.getStatus().getCompletionTime() != null ? r.getStatus().getCompletionTime()
                    : format(scheduledTime(r))))
        .map(Instant::parse).max(Comparator.naturalOrder()).map(ScheduleDecision::format).orElse(null);
  }

  /** Runs the last status listed as active that have now finished: each is counted once. */
  private static List<Outcome> finishedSince(UserDataPurgeScheduleStatus previous, List<UserDataPurge> owned) {
    if (previous == null || previous.getActive() == null) {
      return List.of();
    }
    return owned.stream().filter(r -> previous.getActive().contains(r.getMetadata().getName()) && finished(r))
        .map(r -> new Outcome(switch (r.getStatus().getPhase()) {
          case Succeeded -> Boolean.TRUE.equals(r.getStatus().getDryRun()) ? "dry_run" : "succeeded";
          case AwaitingConfirmation -> "planned";
          case Blocked -> "blocked";
          default -> "failed";
        }, r.getMetadata().getName())).toList();
  }

  private static void skip(UserDataPurgeScheduleStatus next, List<Note> notes, List<Outcome> outcomes, Instant tick,
      String reason, String why) {
    String message = "Tick " + format(tick) + " " + why + "; it is skipped";
    next.setLastSkip(new SkippedTick(format(tick), reason, message));
    notes.add(new Note(true, "Skipped" + reason, message));
    outcomes.add(new Outcome("skipped_" + reason.replaceAll("([a-z])([A-Z])", "$1_$2").toLowerCase(java.util.Locale.ROOT),
        format(tick)));
  }

  private static void conditions(UserDataPurgeScheduleStatus next, UserDataPurgeScheduleStatus previous, long generation,
      boolean ready, String reason, String message, boolean stalled, Instant now) {
    next.setConditions(List.of(condition(READY, ready, reason, message, generation, previous, now),
        condition(STALLED, stalled, stalled ? reason : "Scheduling", stalled ? message : "", generation, previous, now)));
  }

  private static Condition condition(String type, boolean value, String reason, String message, long generation,
      UserDataPurgeScheduleStatus previous, Instant now) {
    String status = value ? "True" : "False";
    Condition old = previous == null ? null : previous.condition(type);
    return new ConditionBuilder().withType(type).withStatus(status).withReason(reason).withMessage(message)
        .withObservedGeneration(generation)
        .withLastTransitionTime(old != null && status.equals(old.getStatus()) && old.getLastTransitionTime() != null
            ? old.getLastTransitionTime() : format(now))
        .build();
  }

  private static Decision decision(UserDataPurgeScheduleStatus previous, UserDataPurgeScheduleStatus next,
      List<Action> actions, List<Note> notes, Optional<Duration> wake, List<Outcome> outcomes, Optional<Instant> upcoming) {
    boolean unchanged = previous != null && JSON.valueToTree(previous).equals(JSON.valueToTree(next));
    return new Decision(unchanged ? null : next, actions, notes, wake, outcomes, upcoming);
  }

  private static Optional<Instant> time(String rfc3339) {
    return Optional.ofNullable(rfc3339).map(Instant::parse);
  }

  static String format(Instant t) {
    return t.truncatedTo(ChronoUnit.SECONDS).toString();
  }
}
