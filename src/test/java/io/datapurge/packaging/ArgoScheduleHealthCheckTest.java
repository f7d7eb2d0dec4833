package io.datapurge.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import io.datapurge.packaging.ArgoHealthCheckTest.Health;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** deploy/gitops/argocd/schedule-health.lua in Argo CD's Lua sandbox, on UserDataPurgeSchedule statuses. */
class ArgoScheduleHealthCheckTest {

  static final Path SCRIPT = Path.of("deploy", "gitops", "argocd", "schedule-health.lua");

  static Health health(String yaml) throws Exception {
    return ArgoHealthCheckTest.health(SCRIPT, yaml);
  }

  @Test
  void aScheduleTheOperatorHasNotObservedIsProgressing() throws Exception {
    assertThat(health("""
        metadata: {name: nightly, generation: 1}
        spec: {schedule: "0 3 * * *"}
        status: {observedGeneration: 0}
        """).status()).isEqualTo("Progressing");
    assertThat(health("""
        metadata: {name: nightly, generation: 1}
        spec: {schedule: "0 3 * * *"}
        """).status()).isEqualTo("Progressing");
  }

  @Test
  void aSchedulingScheduleIsHealthyAndNamesItsNextTickAndLastRun() throws Exception {
    Health h = health("""
        metadata: {name: nightly, generation: 2}
        spec: {schedule: "0 3 * * *"}
        status:
          observedGeneration: 2
          nextScheduleTime: "2026-12-02T02:00:00Z"
          lastRun: {name: nightly-29934900, phase: Running}
          conditions:
          - {type: Ready, status: "True", reason: Scheduling}
          - {type: Stalled, status: "False", reason: Scheduling}
        """);

    assertThat(h).isEqualTo(new Health("Healthy", "Next tick at 2026-12-02T02:00:00Z; last run nightly-29934900 Running"));
  }

  @Test
  void aScheduleWhoseLastRunFailedIsDegradedAndSaysWhereToLook() throws Exception {
    Health h = health("""
        metadata: {name: nightly, generation: 1}
        status:
          observedGeneration: 1
          nextScheduleTime: "2026-12-02T02:00:00Z"
          lastRun: {name: nightly-29934900, phase: Failed}
          conditions: [{type: Ready, status: "True", reason: Scheduling}]
        """);

    assertThat(h).isEqualTo(new Health("Degraded",
        "Last run nightly-29934900 Failed; kubectl describe purge nightly-29934900"));
  }

  @Test
  void anInvalidTimeZoneIsDegradedWithTheOperatorsReason() throws Exception {
    Health h = health("""
        metadata: {name: nightly, generation: 1}
        status:
          observedGeneration: 1
          conditions:
          - {type: Ready, status: "False", reason: InvalidTimeZone, message: "spec.timeZone Mars/Olympus is not a time zone"}
          - {type: Stalled, status: "True", reason: InvalidTimeZone, message: "spec.timeZone Mars/Olympus is not a time zone"}
        """);

    assertThat(h).isEqualTo(new Health("Degraded", "InvalidTimeZone: spec.timeZone Mars/Olympus is not a time zone"));
  }

  @Test
  void aSuspendedScheduleIsSuspended() throws Exception {
    assertThat(health("""
        metadata: {name: nightly, generation: 3}
        spec: {suspend: true}
        status:
          observedGeneration: 3
          lastRun: {name: nightly-29934900, phase: Succeeded}
          conditions: [{type: Ready, status: "True", reason: Suspended}]
        """).status()).isEqualTo("Suspended");
  }
}
