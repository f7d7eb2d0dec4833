package io.datapurge.api;

import com.fasterxml.jackson.annotation.JsonClassDescription;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.crdv2.generator.CRDGenerator;
import io.fabric8.crdv2.generator.CRDPostProcessor;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceColumnDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionVersion;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.api.model.apiextensions.v1.ValidationRuleBuilder;
import java.io.File;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Runs Fabric8's CRD generator on the model (the build calls it, see pom.xml; one CRD per kind of
 * {@link #KINDS}) with what the Maven
 * plugin cannot add: a default status (see {@link #statusDefault}), and one correction: the
 * generator writes {@code priority: 0} on every printer column, a
 * value the API server drops (it is the default, {@code omitempty}). A CRD file that differs from
 * what the server stores makes {@code kubectl apply --server-side} conflict with any other field
 * manager of the atomic {@code spec.versions} list (Helm, a client-side apply), even with the file
 * unchanged; so priority 0 is left out, as the server would.
 *
 * <p>Usage: {@code CrdGeneration OUTPUT_DIR}.
 */
public final class CrdGeneration {

  private CrdGeneration() {}

  /** What differs between the kinds: their classes and the status fields that hold RFC 3339 times. */
  record Kind(Class<?> resource, Class<?> spec, Class<?> status, List<String> statusTimes) {}

  static final Map<String, Kind> KINDS = Map.of(
      "UserDataPurge", new Kind(UserDataPurge.class, UserDataPurgeSpec.class, UserDataPurgeStatus.class,
          List.of("startTime", "completionTime")),
      "UserDataPurgeSchedule", new Kind(UserDataPurgeSchedule.class, UserDataPurgeScheduleSpec.class,
          UserDataPurgeScheduleStatus.class, List.of("lastScheduleTime", "nextScheduleTime", "lastSuccessfulTime")));

  public static void main(String[] args) {
    File out = new File(args.length > 0 ? args[0] : "target/classes/META-INF/fabric8");
    if (!out.isDirectory() && !out.mkdirs()) {
      throw new IllegalStateException("cannot create " + out);
    }
    int written = new CRDGenerator()
        .customResourceClasses(UserDataPurge.class, UserDataPurgeSchedule.class)
        .forCRDVersions("v1")
        .withPostProcessor(new CRDPostProcessor() {
          @Override
          public HasMetadata process(HasMetadata crd, String crdSpecVersion) {
            return asTheServerStoresIt(crd);
          }
        })
        .inOutputDir(out)
        .generate();
    if (written != KINDS.size()) {
      throw new IllegalStateException("expected " + KINDS.size() + " CRDs, the generator wrote " + written);
    }
  }

  static HasMetadata asTheServerStoresIt(HasMetadata resource) {
    if (resource instanceof CustomResourceDefinition crd) {
      Kind kind = KINDS.get(crd.getSpec().getNames().getKind());
      for (CustomResourceDefinitionVersion version : crd.getSpec().getVersions()) {
        statusDefault(version);
        describe(version, kind);
        statusFormats(version, kind);
        columnsInDeclaredOrder(version, kind);
        if (kind.resource() == UserDataPurgeSchedule.class) {
          scheduleNameFitsALabel(version);
        }
        List<CustomResourceColumnDefinition> columns = version.getAdditionalPrinterColumns();
        if (columns == null) {
          continue;
        }
        for (CustomResourceColumnDefinition column : columns) {
          if (column.getPriority() != null && column.getPriority() == 0) {
            column.setPriority(null);
          }
        }
      }
    }
    return resource;
  }

  /** {@code kubectl explain userdatapurge} (and .spec, .status; the same for the schedule) shows the model's class descriptions. */
  static void describe(CustomResourceDefinitionVersion version, Kind kind) {
    JSONSchemaProps root = version.getSchema().getOpenAPIV3Schema();
    root.setDescription(classDescription(kind.resource()));
    root.getProperties().get("spec").setDescription(classDescription(kind.spec()));
    root.getProperties().get("status").setDescription(classDescription(kind.status()));
  }

  /**
   * Every run a schedule creates carries its name as the value of the label datapurge.io/schedule, and
   * label values end at 63 characters (a CronJob's name is limited for the same reason); the run's own
   * name, {@code <schedule>-<minutes>}, then stays far below 253.
   */
  static void scheduleNameFitsALabel(CustomResourceDefinitionVersion version) {
    version.getSchema().getOpenAPIV3Schema().setXKubernetesValidations(List.of(new ValidationRuleBuilder()
        .withRule("size(self.metadata.name) <= 63")
        .withMessage("metadata.name of a UserDataPurgeSchedule is at most 63 characters: it is the value of the"
            + " label datapurge.io/schedule on every UserDataPurge it creates")
        .build()));
  }

  private static String classDescription(Class<?> type) {
    JsonClassDescription d = type.getAnnotation(JsonClassDescription.class);
    if (d == null) {
      throw new IllegalStateException(type.getSimpleName() + " needs a @JsonClassDescription");
    }
    return d.value();
  }

  /**
   * Times are RFC 3339 strings in the model (the operator formats them); the schema says so, so the
   * API server validates them and clients can parse them. Conditions are a map keyed by type, as
   * metav1.Condition lists are, so server-side apply merges them per type.
   */
  static void statusFormats(CustomResourceDefinitionVersion version, Kind kind) {
    JSONSchemaProps status = version.getSchema().getOpenAPIV3Schema().getProperties().get("status");
    kind.statusTimes().forEach(field -> status.getProperties().get(field).setFormat("date-time"));
    JSONSchemaProps conditions = status.getProperties().get("conditions");
    conditions.setXKubernetesListType("map");
    conditions.setXKubernetesListMapKeys(List.of("type"));
    JSONSchemaProps condition = conditions.getItems().getSchema();
    condition.setRequired(List.of("status", "type"));
    condition.getProperties().get("lastTransitionTime").setFormat("date-time");
  }

  /** The generator sorts printer columns by JSON path; keep the order the model declares them in. */
  static void columnsInDeclaredOrder(CustomResourceDefinitionVersion version, Kind kind) {
    List<String> declared = Arrays.stream(kind.resource().getAnnotationsByType(AdditionalPrinterColumn.class))
        .map(AdditionalPrinterColumn::name).toList();
    version.getAdditionalPrinterColumns().sort(Comparator.comparingInt(c -> declared.indexOf(c.getName())));
  }

  /**
   * A resource the operator has not written yet reads with {@code status: {observedGeneration: 0}}
   * (the API server applies schema defaults whenever it reads an object). Without any status,
   * kstatus, and so Flux's {@code wait}/{@code healthChecks}, calls a fresh resource Current before
   * its purge ran; generation 1 observed as 0 is InProgress, and Flux's CEL health checks, which
   * test observedGeneration first, no longer evaluate expressions on an object without status.
   */
  static void statusDefault(CustomResourceDefinitionVersion version) {
    JSONSchemaProps status = version.getSchema().getOpenAPIV3Schema().getProperties().get("status");
    status.setDefault(JsonNodeFactory.instance.objectNode().put("observedGeneration", 0));
  }
}
