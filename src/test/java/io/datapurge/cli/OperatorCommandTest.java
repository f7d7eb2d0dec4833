package io.datapurge.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.datapurge.api.UserDataPurge;
import io.datapurge.operator.ApiRequestMetrics;
import io.datapurge.purge.PurgeRequest;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class OperatorCommandTest {

  final DurationConverter durations = new DurationConverter.Positive();

  @Test
  void durationsReadLikeTheHelmValues() {
    assertThat(durations.convert("30m")).isEqualTo(Duration.ofMinutes(30));
    assertThat(durations.convert("24h")).isEqualTo(Duration.ofHours(24));
    assertThat(durations.convert("1h30m")).isEqualTo(Duration.ofMinutes(90));
    assertThat(durations.convert("90")).isEqualTo(Duration.ofSeconds(90));
    assertThatThrownBy(() -> durations.convert("0")).hasMessageContaining("positive");
    assertThatThrownBy(() -> durations.convert("soon")).hasMessageContaining("write e.g. 500ms, 10s, 30m");
  }

  @Test
  void theLeaseIsTheOneTheFlagsNameSoTwoReleasesInANamespaceNeverShareALeader() {
    OperatorCommand command = new OperatorCommand();
    new CommandLine(command).parseArgs("--leader-election", "--lease-name", "staging-purge-operator",
        "--lease-namespace", "ops");
    var lease = command.leaderLease(null);
    assertThat(lease.name()).isEqualTo("staging-purge-operator");
    assertThat(lease.namespace()).isEqualTo("ops");

    OperatorCommand defaults = new OperatorCommand();
    new CommandLine(defaults).parseArgs("--leader-election", "--lease-namespace", "ops");
    assertThat(defaults.leaderLease(null).name()).isEqualTo(OperatorCommand.LEASE_NAME);
    OperatorCommand off = new OperatorCommand();
    new CommandLine(off).parseArgs();
    assertThat(off.leaderLease(null)).isNull();
  }

  @Test
  void flagsHaveTheDocumentedDefaults() {
    OperatorCommand command = new OperatorCommand();
    new CommandLine(command).parseArgs();
    assertThat(command.protectedPattern).isEqualTo(PurgeRequest.DEFAULT_PROTECTED_PATTERN).isEqualTo("(?i).*prod.*");
    assertThat(command.httpPort).isEqualTo(8080);
    assertThat(command.jobDeadline).isEqualTo(Duration.ofMinutes(30));
    assertThat(command.jobTtl).isEqualTo(Duration.ofHours(24));
    assertThat(command.heapTrimAfter).isEqualTo(Duration.ofSeconds(30));
    assertThat(command.leaderElection).isFalse();
    assertThat(command.logFormat).isEqualTo(OperatorCommand.LogFormat.plain);
  }

  @Test
  void flagsOverrideDefaults() {
    OperatorCommand command = new OperatorCommand();
    new CommandLine(command).parseArgs("--namespaces", "a,b", "--leader-election", "--log-format", "json",
        "--job-deadline", "5m", "--purge-image", "img:1", "--heap-trim-after", "0");
    assertThat(command.namespaces).isEqualTo("a,b");
    assertThat(command.leaderElection).isTrue();
    assertThat(command.logFormat).isEqualTo(OperatorCommand.LogFormat.json);
    assertThat(command.jobDeadline).isEqualTo(Duration.ofMinutes(5));
    assertThat(command.purgeImage).isEqualTo("img:1");
    assertThat(command.heapTrimAfter).as("0: never").isZero();
  }

  @Test
  void theOperatorsClientReadsAResourceWithAFieldItDoesNotKnowAndRecordsIt() {
    try (KubernetesClient client = OperatorCommand.countedClient(new ApiRequestMetrics()).build()) {
      UserDataPurge purge = client.getKubernetesSerialization().unmarshal("{\"apiVersion\": \"datapurge.io/v1alpha1\","
          + " \"kind\": \"UserDataPurge\", \"metadata\": {\"name\": \"r\"}, \"spec\": {\"onlyOlderThan\": \"30d\"}}",
          UserDataPurge.class);
      assertThat(purge.unknownFields()).containsExactly("spec.onlyOlderThan");
    }
  }
}
