package io.datapurge.operator;

import static org.assertj.core.api.Assertions.assertThat;

import io.datapurge.api.Phase;
import io.datapurge.api.UserDataPurge;
import io.datapurge.api.UserDataPurgeStatus;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What the reconciler refuses before any Job exists. */
class RunDecisionTest {

  final RunDecision decision = new RunDecision(Resources.SETTINGS);

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
    assertThat(decision.refusal(resource).orElseThrow().getReason()).isEqualTo("PlanInvalid");
  }

  @Test
  void plainUnconfirmedOrConfirmedSpecIsAccepted() {
    assertThat(decision.refusal(Resources.purge("r", "pyfactor", null))).isEmpty();
    assertThat(decision.refusal(Resources.purge("r", "pyfactor", "pyfactor"))).isEmpty();
  }

  @Test
  void modeIsPurgeOnlyWhenConfirmedAndNotDryRun() {
    UserDataPurge confirmed = Resources.purge("r", "pyfactor", "pyfactor");
    assertThat(RunMode.of(confirmed)).isEqualTo(RunMode.Purge);
    confirmed.getSpec().setDryRun(true);
    assertThat(RunMode.of(confirmed)).isEqualTo(RunMode.Plan);
    assertThat(RunMode.of(Resources.purge("r", "pyfactor", null))).isEqualTo(RunMode.Plan);
  }
}
