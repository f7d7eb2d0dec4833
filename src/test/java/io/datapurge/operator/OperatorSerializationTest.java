package io.datapurge.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import io.datapurge.api.Phase;
import io.datapurge.api.UserDataPurge;
import io.datapurge.api.UserDataPurgeSchedule;
import io.datapurge.api.UserDataPurgeSpec;
import io.datapurge.api.UserDataPurgeStatus;
import io.fabric8.kubernetes.api.model.DefaultKubernetesResourceList;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.WatchEvent;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What the operator's client reads from an API server whose CRD is newer than this operator. */
class OperatorSerializationTest {

  final OperatorSerialization json = new OperatorSerialization();

  /** A UserDataPurge as the API server returns it, with {@code extraSpec} added to its spec. */
  static String purge(String name, String extraSpec) {
    return """
        {"apiVersion": "datapurge.io/v1alpha1", "kind": "UserDataPurge",
         "metadata": {"name": "%s", "namespace": "staging", "generation": 1},
         "spec": {"database": {"host": "pg", "name": "pyfactor",
                               "credentialsSecret": {"name": "pg-purge"}},
                  "tables": ["auth_user"], "confirm": "pyfactor" %s},
         "status": {"phase": "Pending"}}""".formatted(name, extraSpec);
  }

  static InputStream stream(String text) {
    return new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void unknownSpecFieldsAtAnyDepthAreRecordedByPathAndTheKnownOnesStillRead() {
    UserDataPurge purge = json.unmarshal(purge("reset", """
        , "onlyOlderThan": {"days": 30, "column": ["date_joined"]},
          "seed": [{"configMap": "seed", "key": "a.sql"}, {"configMap": "seed", "key": "b.sql", "optional": true}],
          "strategyOptions": [1, 2]"""), UserDataPurge.class);

    assertThat(purge.unknownFields()).containsExactly("spec.onlyOlderThan", "spec.seed[1].optional",
        "spec.strategyOptions");
    assertThat(RunDecision.unknownSpecFields(purge)).isEqualTo(purge.unknownFields());
    UserDataPurgeSpec spec = purge.getSpec();
    assertThat(spec.getConfirm()).isEqualTo("pyfactor");
    assertThat(spec.getSeed()).extracting("key").containsExactly("a.sql", "b.sql");
    assertThat(purge.getStatus().getPhase()).isEqualTo(Phase.Pending);
  }

  @Test
  void anEnumValueThisModelDoesNotKnowIsRecordedWithItsValueAndTheResourceIsRefused() {
    UserDataPurge purge = json.unmarshal(purge("reset", ", \"strategy\": \"Partition\""), UserDataPurge.class);

    assertThat(purge.unknownFields()).containsExactly("spec.strategy (value \"Partition\")");
    UserDataPurgeStatus refused = new RunDecision(Resources.SETTINGS).refusal(purge).orElseThrow();
    assertThat(refused.getReason()).isEqualTo("UnknownFields");
    assertThat(refused.getMessage()).startsWith("This operator (version dev) does not know spec.strategy (value \"Partition\"): ");
    assertThat(json.unmarshal(purge("reset", ", \"strategy\": \"Truncate\""), UserDataPurge.class).unknownFields())
        .isEmpty();
  }

  @Test
  void aResourceTheModelFullyKnowsHasNoUnknownFields() {
    assertThat(json.unmarshal(purge("reset", ""), UserDataPurge.class).unknownFields()).isEmpty();
  }

  @Test
  void anUnknownStatusFieldWrittenByANewerOperatorIsNoReasonToRefuse() {
    UserDataPurge purge = json.unmarshal(purge("reset", "").replace("\"phase\": \"Pending\"",
        "\"phase\": \"Pending\", \"retries\": 2"), UserDataPurge.class);
    assertThat(purge.getStatus().getPhase()).isEqualTo(Phase.Pending);
    assertThat(RunDecision.unknownSpecFields(purge)).isEmpty();
    UserDataPurgeSchedule schedule = json.unmarshal("""
        {"apiVersion": "datapurge.io/v1alpha1", "kind": "UserDataPurgeSchedule", "metadata": {"name": "nightly"},
         "spec": {"schedule": "0 3 * * *"}, "status": {"observedGeneration": 1, "jitterApplied": "2m"}}""",
        UserDataPurgeSchedule.class);
    assertThat(schedule.unknownFields()).containsExactly("status.jitterApplied");
    assertThat(RunDecision.unknownSpecFields(schedule)).isEmpty();
  }

  @Test
  void inAListAsTheInformerReadsItEachResourceCarriesOnlyItsOwnPaths() {
    List<UserDataPurge> items = json.unmarshal(stream("{\"apiVersion\": \"datapurge.io/v1alpha1\", \"kind\": \"UserDataPurgeList\","
        + " \"metadata\": {}, \"items\": [" + purge("old", "") + ", " + purge("new", ", \"onlyOlderThan\": \"30d\"") + "]}"),
        new TypeReference<DefaultKubernetesResourceList<UserDataPurge>>() {}).getItems();
    assertThat(items).extracting(UserDataPurge::unknownFields).containsExactly(List.of(), List.of("spec.onlyOlderThan"));
  }

  @Test
  void inAWatchEventThePathIsRelativeToTheResource() {
    json.registerKubernetesResource(UserDataPurge.class);
    WatchEvent event = json.unmarshal("{\"type\": \"ADDED\", \"object\": " + purge("new", ", \"onlyOlderThan\": \"30d\"")
        + "}", WatchEvent.class);
    assertThat(event.getObject()).isInstanceOfSatisfying(UserDataPurge.class,
        p -> assertThat(p.unknownFields()).containsExactly("spec.onlyOlderThan"));
  }

  @Test
  void aScheduleRecordsUnknownFieldsOfItsSpecAndOfItsTemplate() {
    UserDataPurgeSchedule schedule = json.unmarshal("""
        {"apiVersion": "datapurge.io/v1alpha1", "kind": "UserDataPurgeSchedule",
         "metadata": {"name": "nightly", "namespace": "staging"},
         "spec": {"schedule": "0 3 * * *", "jitter": "5m",
                  "template": {"spec": {"database": {"name": "pyfactor"}, "tables": ["auth_user"], "onlyOlderThan": "30d"}}}}""",
        UserDataPurgeSchedule.class);
    assertThat(schedule.unknownFields()).containsExactly("spec.jitter", "spec.template.spec.onlyOlderThan");
    assertThat(schedule.getSpec().getSchedule()).isEqualTo("0 3 * * *");
  }

  @Test
  void theCloneJosdkReconcilesKeepsTheListWhichTheJsonDoesNotCarry() {
    UserDataPurge purge = json.unmarshal(purge("reset", ", \"onlyOlderThan\": \"30d\""), UserDataPurge.class);
    UserDataPurge copy = json.clone(purge);
    assertThat(copy).isNotSameAs(purge);
    assertThat(copy.unknownFields()).containsExactly("spec.onlyOlderThan");
    assertThat(json.asJson(purge)).doesNotContain("onlyOlderThan").doesNotContain("unknownFields");
  }

  @Test
  void otherTypesReadAsBefore() {
    Pod pod = json.unmarshal("{\"apiVersion\": \"v1\", \"kind\": \"Pod\", \"metadata\": {\"name\": \"p\"},"
        + " \"spec\": {\"futureField\": 1, \"containers\": []}}", Pod.class);
    assertThat(pod.getSpec().getAdditionalProperties()).containsEntry("futureField", 1);
    assertThatThrownBy(() -> json.unmarshal("{\"confirm\": \"pyfactor\", \"onlyOlderThan\": \"30d\"}",
        UserDataPurgeSpec.class)).hasRootCauseInstanceOf(UnrecognizedPropertyException.class);
    assertThatThrownBy(() -> json.unmarshal("{\"confirm\": \"pyfactor\", \"strategy\": \"Partition\"}",
        UserDataPurgeSpec.class)).as("an unknown enum value outside a resource").hasRootCauseInstanceOf(InvalidFormatException.class);
  }
}
