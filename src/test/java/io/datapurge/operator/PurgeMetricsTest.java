package io.datapurge.operator;

import static org.assertj.core.api.Assertions.assertThat;

import io.datapurge.api.Phase;
import io.datapurge.api.Totals;
import io.datapurge.api.UserDataPurgeStatus;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

/** datapurge_runs_total by outcome and datapurge_rows_deleted_total, as a dashboard reads them. */
class PurgeMetricsTest {

  final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  final PurgeMetrics metrics = new PurgeMetrics(registry);

  static UserDataPurgeStatus finished(Phase phase, Boolean dryRun, Totals totals) {
    UserDataPurgeStatus status = new UserDataPurgeStatus();
    status.setPhase(phase);
    status.setDryRun(dryRun);
    status.setTotals(totals);
    return status;
  }

  double runs(String outcome) {
    var counter = registry.find("datapurge.runs").tag("outcome", outcome).counter();
    return counter == null ? 0 : counter.count();
  }

  @Test
  void eachFinalPhaseCountsUnderItsOutcome() {
    metrics.finished(finished(Phase.Succeeded, false, new Totals(10L, 0L)));
    metrics.finished(finished(Phase.Succeeded, true, new Totals(10L, 10L)));
    metrics.finished(finished(Phase.AwaitingConfirmation, true, new Totals(10L, 10L)));
    metrics.finished(finished(Phase.Failed, false, null));
    metrics.finished(finished(Phase.Failed, false, null));
    metrics.finished(finished(Phase.Blocked, null, null));
    assertThat(runs("succeeded")).isEqualTo(1.0);
    assertThat(runs("dry_run")).isEqualTo(1.0);
    assertThat(runs("planned")).isEqualTo(1.0);
    assertThat(runs("failed")).isEqualTo(2.0);
    assertThat(runs("blocked")).isEqualTo(1.0);
  }

  @Test
  void onlyConfirmedPurgesAddDeletedRows() {
    metrics.finished(finished(Phase.Succeeded, false, new Totals(1240L, 40L)));
    metrics.finished(finished(Phase.Succeeded, true, new Totals(500L, 500L)));
    metrics.finished(finished(Phase.AwaitingConfirmation, true, new Totals(500L, 500L)));
    metrics.finished(finished(Phase.Failed, false, new Totals(500L, 500L)));
    metrics.finished(finished(Phase.Succeeded, false, null));
    assertThat(registry.counter("datapurge.rows.deleted").count()).isEqualTo(1200.0);
  }

  @Test
  void workingPhasesCountNothing() {
    metrics.finished(finished(Phase.Running, false, new Totals(10L, 0L)));
    metrics.finished(finished(Phase.Pending, null, null));
    assertThat(registry.find("datapurge.runs").counters()).isEmpty();
    assertThat(registry.counter("datapurge.rows.deleted").count()).isZero();
  }
}
