package io.datapurge.operator;

import io.datapurge.api.Phase;
import io.datapurge.api.UserDataPurgeStatus;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Objects;

/**
 * kstatus conditions from the phase: {@code Ready} (True once the run reached a result a user can
 * act on: a plan awaiting confirmation, or success), {@code Reconciling} (a Job is working) and
 * {@code Stalled} (failed or refused: only a spec change moves it on).
 */
final class Conditions {

  static final String READY = "Ready";
  static final String RECONCILING = "Reconciling";
  static final String STALLED = "Stalled";

  private Conditions() {}

  /** Sets the three conditions on {@code status}, keeping transition times that did not change. */
  static void apply(UserDataPurgeStatus status, long generation, UserDataPurgeStatus previous) {
    apply(status, generation, previous, Instant.now());
  }

  /** As above, with {@code now} as the transition time of a condition that changed. */
  static void apply(UserDataPurgeStatus status, long generation, UserDataPurgeStatus previous, Instant now) {
    Phase phase = status.getPhase();
    String reason = status.getReason() != null ? status.getReason() : phase.name();
    String message = status.getMessage();
    boolean ready = phase == Phase.Succeeded || phase == Phase.AwaitingConfirmation;
    boolean stalled = phase == Phase.Failed || phase == Phase.Blocked;
    boolean reconciling = !ready && !stalled;
    status.setConditions(List.of(
        condition(READY, ready, reason, message, generation, previous, now),
        condition(RECONCILING, reconciling, reconciling ? reason : phase.name(),
            reconciling ? message : "", generation, previous, now),
        condition(STALLED, stalled, stalled ? reason : phase.name(),
            stalled ? message : "", generation, previous, now)));
  }

  private static Condition condition(String type, boolean value, String reason, String message,
      long generation, UserDataPurgeStatus previous, Instant now) {
    String status = value ? "True" : "False";
    Condition old = previous == null ? null : previous.condition(type);
    String since = old != null && Objects.equals(old.getStatus(), status)
        ? old.getLastTransitionTime()
        : now.truncatedTo(ChronoUnit.SECONDS).toString();
    return new ConditionBuilder()
        .withType(type)
        .withStatus(status)
        .withReason(reason)
        .withMessage(message == null ? "" : message)
        .withObservedGeneration(generation)
        .withLastTransitionTime(since)
        .build();
  }
}
