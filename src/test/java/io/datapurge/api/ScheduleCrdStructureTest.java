package io.datapurge.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceColumnDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionVersion;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.api.model.apiextensions.v1.ValidationRule;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The committed UserDataPurgeSchedule CRD: what kubectl shows and what kubectl apply refuses. */
class ScheduleCrdStructureTest {

  static CustomResourceDefinition crd;
  static CustomResourceDefinitionVersion version;
  static JSONSchemaProps spec;

  @BeforeAll
  static void load() throws IOException {
    try (InputStream in = Files.newInputStream(Path.of("crds", CrdFilesTest.SCHEDULE_NAME))) {
      crd = Serialization.unmarshal(in, CustomResourceDefinition.class);
    }
    version = crd.getSpec().getVersions().get(0);
    spec = version.getSchema().getOpenAPIV3Schema().getProperties().get("spec");
  }

  @Test
  void isNamespacedInTheSameGroupAndVersionWithShortNamePurgeschedule() {
    assertThat(crd.getSpec().getGroup()).isEqualTo("datapurge.io");
    assertThat(crd.getSpec().getScope()).isEqualTo("Namespaced");
    assertThat(crd.getSpec().getNames().getShortNames()).containsExactly("purgeschedule");
    assertThat(version.getName()).isEqualTo("v1alpha1");
    assertThat(version.getSubresources().getStatus()).isNotNull();
  }

  @Test
  void kubectlGetShowsScheduleSuspendLastRunLastPhaseAndNext() {
    assertThat(version.getAdditionalPrinterColumns()).filteredOn(c -> c.getPriority() == null)
        .extracting(CustomResourceColumnDefinition::getName)
        .containsExactly("Schedule", "Suspend", "Last Run", "Last Phase", "Next", "Age");
    assertThat(version.getAdditionalPrinterColumns()).filteredOn(c -> c.getName().equals("Next"))
        .singleElement().satisfies(c -> assertThat(c.getType()).as("a future date column prints <invalid>").isEqualTo("string"));
  }

  @Test
  void defaultsAreForbidAndThreeSucceededAndOneFailedRunKept() {
    assertThat(spec.getRequired()).containsExactlyInAnyOrder("schedule", "template");
    assertThat(spec.getProperties().get("concurrencyPolicy").getDefault().asText()).isEqualTo("Forbid");
    assertThat(spec.getProperties().get("successfulRunsHistoryLimit").getDefault().asInt()).isEqualTo(3);
    assertThat(spec.getProperties().get("failedRunsHistoryLimit").getDefault().asInt()).isEqualTo(1);
    assertThat(spec.getProperties().get("suspend").getDefault().asBoolean()).isFalse();
    assertThat(spec.getProperties().get("template").getProperties().get("spec").getRequired())
        .containsExactlyInAnyOrder("database", "tables");
  }

  @Test
  void aSixFieldScheduleIsRefusedWithAMessageSayingSo() {
    ValidationRule six = spec.getProperties().get("schedule").getXKubernetesValidations().get(0);

    assertThat(six.getMessage()).contains("6 or more fields", "5 fields", "no seconds field");
    assertThat("0 0 3 * * *").matches(UserDataPurgeScheduleSpec.SIX_FIELDS);
    assertThat("0 3 * * *").doesNotMatch(UserDataPurgeScheduleSpec.SIX_FIELDS).matches(UserDataPurgeScheduleSpec.FIVE_FIELDS);
    assertThat("every day").doesNotMatch(UserDataPurgeScheduleSpec.FIVE_FIELDS);
    assertThat("@daily").matches(UserDataPurgeScheduleSpec.MACRO);
    assertThat("@every 1h").doesNotMatch(UserDataPurgeScheduleSpec.MACRO);
  }

  @Test
  void fieldsOutOfRangeAreRefusedAndEveryCronJobFormIsAccepted() {
    ValidationRule range = spec.getProperties().get("schedule").getXKubernetesValidations().get(2);

    assertThat(range.getMessage()).contains("out of range", "minute 0-59", "hour 0-23");
    assertThat(java.util.List.of("* * * * *", "0 3 * * *", "*/15 * * * *", "0-30/5 8-18 * * 1-5", "5 4 1,15 JAN-JUN ?",
            "0 0 13 * 5", "59 23 31 12 7", "00 03 * * sun", "0 6 ? * MON-FRI"))
        .allSatisfy(c -> assertThat(c).matches(UserDataPurgeScheduleSpec.FIVE_FIELDS_IN_RANGE));
    assertThat(java.util.List.of("61 * * * *", "0 24 * * *", "0 0 0 * *", "0 0 32 * *", "0 0 * 13 *", "0 0 * * 8",
            "*/ * * * *", "0 0 ? ? ?1"))
        .allSatisfy(c -> assertThat(c).doesNotMatch(UserDataPurgeScheduleSpec.FIVE_FIELDS_IN_RANGE));
  }

  @Test
  void theTimeZoneMustLookLikeAnIanaNameAndTheNameFitALabel() {
    ValidationRule zone = spec.getProperties().get("timeZone").getXKubernetesValidations().get(0);

    assertThat(zone.getMessage()).contains("IANA", "Europe/Berlin");
    assertThat(java.util.List.of("Europe/Berlin", "America/Argentina/Buenos_Aires", "Etc/GMT+2", "UTC"))
        .allMatch(z -> z.matches(UserDataPurgeScheduleSpec.TIME_ZONE));
    assertThat(java.util.List.of("Not a zone", "+02:00", "/etc/localtime", ""))
        .noneMatch(z -> z.matches(UserDataPurgeScheduleSpec.TIME_ZONE));
    assertThat(version.getSchema().getOpenAPIV3Schema().getXKubernetesValidations()).singleElement()
        .satisfies(r -> assertThat(r.getRule()).isEqualTo("size(self.metadata.name) <= 63"));
  }

  @Test
  void statusTimesAreDateTimesAndConditionsAMapByType() {
    JSONSchemaProps status = version.getSchema().getOpenAPIV3Schema().getProperties().get("status");
    for (String field : new String[] {"lastScheduleTime", "nextScheduleTime", "lastSuccessfulTime"}) {
      assertThat(status.getProperties().get(field).getFormat()).as(field).isEqualTo("date-time");
    }
    assertThat(status.getProperties().get("conditions").getXKubernetesListType()).isEqualTo("map");
    assertThat(status.getProperties().get("lastRun").getProperties()).containsKeys("name", "phase", "totals");
  }
}
