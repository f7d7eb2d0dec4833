package io.datapurge.operator;

import io.datapurge.api.Phase;
import io.datapurge.api.UserDataPurgeStatus;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Run outcomes and deleted rows, counted once, when a run reaches its final phase. Reconcile
 * timing comes from JOSDK's own metrics on the same registry.
 */
public final class PurgeMetrics {

  private final MeterRegistry registry;
  private final Counter rowsDeleted;

  public PurgeMetrics(MeterRegistry registry) {
    this.registry = registry;
    this.rowsDeleted = Counter.builder("datapurge.rows.deleted")
        .description("Rows deleted by confirmed purges").register(registry);
  }

  void finished(UserDataPurgeStatus status) {
    String outcome = switch (status.getPhase()) {
      case Succeeded -> Boolean.TRUE.equals(status.getDryRun()) ? "dry_run" : "succeeded";
      case AwaitingConfirmation -> "planned";
      case Failed -> "failed";
      case Blocked -> "blocked";
      default -> null;
    };
    if (outcome == null) {
      return;
    }
    Counter.builder("datapurge.runs").description("Finished runs by outcome")
        .tag("outcome", outcome).register(registry).increment();
    if (status.getPhase() == Phase.Succeeded && !Boolean.TRUE.equals(status.getDryRun())
        && status.getTotals() != null) {
      Long seeded = status.getTotals().getSeeded();
      rowsDeleted.increment(status.getTotals().getBefore() - status.getTotals().getAfter() + (seeded == null ? 0 : seeded));
    }
  }
}
