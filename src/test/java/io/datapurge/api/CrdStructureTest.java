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

/** Parses the committed CRD and checks what users and tools rely on. */
class CrdStructureTest {

  static CustomResourceDefinition crd;
  static CustomResourceDefinitionVersion version;
  static JSONSchemaProps spec;

  @BeforeAll
  static void load() throws IOException {
    try (InputStream in = Files.newInputStream(Path.of("crds", CrdFilesTest.NAME))) {
      crd = Serialization.unmarshal(in, CustomResourceDefinition.class);
    }
    version = crd.getSpec().getVersions().get(0);
    spec = version.getSchema().getOpenAPIV3Schema().getProperties().get("spec");
  }

  @Test
  void isNamespacedV1alpha1WithShortNamePurge() {
    assertThat(crd.getMetadata().getName()).isEqualTo("userdatapurges.datapurge.io");
    assertThat(crd.getSpec().getScope()).isEqualTo("Namespaced");
    assertThat(crd.getSpec().getNames().getKind()).isEqualTo("UserDataPurge");
    assertThat(crd.getSpec().getNames().getShortNames()).containsExactly("purge");
    assertThat(version.getName()).isEqualTo("v1alpha1");
    assertThat(version.getServed()).isTrue();
    assertThat(version.getStorage()).isTrue();
  }

  @Test
  void statusIsASubresource() {
    assertThat(version.getSubresources().getStatus()).isNotNull();
  }

  @Test
  void databaseTablesAndSecretAreRequired() {
    assertThat(spec.getRequired()).containsExactlyInAnyOrder("database", "tables");
    JSONSchemaProps db = spec.getProperties().get("database");
    assertThat(db.getRequired()).containsExactlyInAnyOrder("host", "name", "credentialsSecret");
    assertThat(db.getProperties().get("credentialsSecret").getRequired()).containsExactly("name");
  }

  @Test
  void identifiersArePatternChecked() {
    JSONSchemaProps tables = spec.getProperties().get("tables");
    assertThat(tables.getMinItems()).isEqualTo(1L);
    assertThat(tables.getItems().getSchema().getPattern()).isEqualTo(UserDataPurgeSpec.TABLE);
    assertThat(spec.getProperties().get("keep").getItems().getSchema().getPattern())
        .isEqualTo(UserDataPurgeSpec.TABLE);
    assertThat(spec.getProperties().get("confirm").getPattern()).isEqualTo(UserDataPurgeSpec.DATABASE_NAME);
    assertThat(spec.getProperties().get("database").getProperties().get("name").getPattern())
        .isEqualTo(UserDataPurgeSpec.DATABASE_NAME);
    assertThat("auth_user").matches(UserDataPurgeSpec.TABLE);
    assertThat("app.users").matches(UserDataPurgeSpec.TABLE);
    assertThat("users; drop table x").doesNotMatch(UserDataPurgeSpec.TABLE);
  }

  @Test
  void strategyAndSslModeAreEnumsWithSafeDefaults() {
    JSONSchemaProps strategy = spec.getProperties().get("strategy");
    assertThat(strategy.getEnum()).extracting(Object::toString)
        .containsExactlyInAnyOrder("\"Delete\"", "\"Truncate\"");
    assertThat(strategy.getDefault().asText()).isEqualTo("Delete");
    JSONSchemaProps db = spec.getProperties().get("database");
    assertThat(db.getProperties().get("sslMode").getEnum()).hasSize(6);
    assertThat(db.getProperties().get("port").getDefault().asInt()).isEqualTo(5432);
    assertThat(db.getProperties().get("port").getMaximum()).isEqualTo(65535.0);
    assertThat(spec.getProperties().get("dryRun").getDefault().asBoolean()).isFalse();
  }

  @Test
  void celRuleRejectsATableInBothTablesAndKeep() {
    assertThat(spec.getXKubernetesValidations()).extracting(ValidationRule::getRule)
        .contains("!has(self.keep) || self.keep.all(k, !(k in self.tables))");
  }

  @Test
  void everySpecAndStatusFieldHasADescription() {
    assertDescribed("spec", spec);
    assertDescribed("status", version.getSchema().getOpenAPIV3Schema().getProperties().get("status"));
  }

  private static void assertDescribed(String path, JSONSchemaProps props) {
    if (props.getProperties() == null || path.endsWith("conditions[]")) {
      return;
    }
    props.getProperties().forEach((name, child) -> {
      assertThat(child.getDescription()).as("description of %s.%s", path, name).isNotBlank();
      assertDescribed(path + "." + name, child);
      if (child.getItems() != null && child.getItems().getSchema() != null) {
        assertDescribed(path + "." + name + "[]", child.getItems().getSchema());
      }
    });
  }

  @Test
  void printerColumnsShowPhaseRowsBeforeRowsAfterAndAgeInThatOrder() {
    assertThat(version.getAdditionalPrinterColumns())
        .filteredOn(c -> c.getPriority() == null)
        .extracting(CustomResourceColumnDefinition::getName)
        .containsExactly("Phase", "Rows Before", "Rows After", "Age");
  }

  @Test
  void printerColumnsLeaveTheDefaultPriorityOutAsTheServerStoresThem() {
    // The API server drops priority 0 (omitempty); a file that keeps it never equals the stored
    // CRD, and server-side apply then conflicts with other managers (CrdApplyIT, issue 15).
    assertThat(version.getAdditionalPrinterColumns()).extracting(CustomResourceColumnDefinition::getPriority)
        .doesNotContain(0);
  }

  @Test
  void kubectlExplainDescribesTheResourceItsSpecAndItsStatus() {
    JSONSchemaProps root = version.getSchema().getOpenAPIV3Schema();

    assertThat(root.getDescription()).startsWith("A request to reset the users of one PostgreSQL database");
    assertThat(spec.getDescription()).isNotBlank();
    assertThat(root.getProperties().get("status").getDescription()).isNotBlank();
  }

  @Test
  void statusTimesAreDateTimesAndConditionsAMapKeyedByType() {
    JSONSchemaProps status = version.getSchema().getOpenAPIV3Schema().getProperties().get("status");
    JSONSchemaProps conditions = status.getProperties().get("conditions");

    assertThat(status.getProperties().get("startTime").getFormat()).isEqualTo("date-time");
    assertThat(status.getProperties().get("completionTime").getFormat()).isEqualTo("date-time");
    assertThat(conditions.getItems().getSchema().getProperties().get("lastTransitionTime").getFormat())
        .isEqualTo("date-time");
    assertThat(conditions.getXKubernetesListType()).isEqualTo("map");
    assertThat(conditions.getXKubernetesListMapKeys()).containsExactly("type");
    assertThat(conditions.getItems().getSchema().getRequired()).contains("type");
  }

  @Test
  void printerColumnsUsePlainPathsInTheDeclaredOrder() {
    assertThat(version.getAdditionalPrinterColumns()).extracting(CustomResourceColumnDefinition::getJsonPath)
        .containsExactly(".status.phase", ".spec.database.name", ".status.totals.before", ".status.totals.after",
            ".status.jobName", ".status.message", ".metadata.creationTimestamp");
  }
}
