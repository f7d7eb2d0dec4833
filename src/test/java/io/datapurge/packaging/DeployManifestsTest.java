package io.datapurge.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.datapurge.purge.PurgeRequest;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** deploy/: what {@code kubectl apply -k deploy} installs, and the example resources. */
class DeployManifestsTest {

  static final Path DEPLOY = Path.of("deploy");
  static final Path CRD = Path.of("crds", "userdatapurges.datapurge.io-v1.yml");
  static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();
  static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  @Test
  void kubectlKustomizeBuildsTheOperatorAndTheCrdApart() throws Exception {
    assertThat(CRD).as("the generated CRD (mvn process-test-classes generates it, hack/update-crds.sh commits it)").exists();
    List<HasMetadata> objects = kustomize(DEPLOY);

    assertThat(objects).extracting(HasMetadata::getKind).containsExactlyInAnyOrder(
        "Namespace", "ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding", "Deployment");
    assertThat(objects).filteredOn(o -> !isClusterScoped(o))
        .allSatisfy(o -> assertThat(o.getMetadata().getNamespace()).isEqualTo("user-data-purge-system"));
    assertThat(kustomize(CRD.getParent())).extracting(o -> o.getKind() + "/" + o.getMetadata().getName())
        .containsExactly("CustomResourceDefinition/userdatapurges.datapurge.io",
            "CustomResourceDefinition/userdatapurgeschedules.datapurge.io");
  }

  @Test
  void kubectlDeleteOfDeployLeavesTheCrdAndSoEveryPurge() throws Exception {
    // `kubectl delete -k deploy` (the documented uninstall) deletes exactly what kustomize builds.
    assertThat(kustomize(DEPLOY)).noneMatch(o -> o instanceof CustomResourceDefinition
        || "CustomResourceDefinition".equals(o.getKind()));
  }

  @Test
  void namespaceEnforcesTheRestrictedPodSecurityStandard() throws Exception {
    Namespace ns = read(DEPLOY.resolve("namespace.yaml"), Namespace.class);

    assertThat(ns.getMetadata().getName()).isEqualTo("user-data-purge-system");
    assertThat(ns.getMetadata().getLabels()).containsEntry("pod-security.kubernetes.io/enforce", "restricted");
  }

  @Test
  void operatorPodIsRestrictedAndProbedOnItsHttpPort() throws Exception {
    Deployment d = read(DEPLOY.resolve("deployment.yaml"), Deployment.class);
    Container c = ChartTest.operator(d);

    assertThat(d.getSpec().getTemplate().getSpec().getServiceAccountName()).isEqualTo("user-data-purge-operator");
    assertThat(d.getSpec().getTemplate().getSpec().getSecurityContext().getRunAsNonRoot()).isTrue();
    assertThat(d.getSpec().getTemplate().getSpec().getSecurityContext().getSeccompProfile().getType())
        .isEqualTo("RuntimeDefault");
    assertThat(c.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
    assertThat(c.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
    assertThat(c.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
    assertThat(c.getVolumeMounts()).anyMatch(m -> m.getMountPath().equals("/tmp"));
    assertThat(c.getPorts()).singleElement().satisfies(p -> {
      assertThat(p.getName()).isEqualTo("http");
      assertThat(p.getContainerPort()).isEqualTo(8080);
    });
    assertThat(c.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/healthz");
    assertThat(c.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/readyz");
    assertThat(c.getResources().getLimits()).containsKey("memory");
  }

  @Test
  void plainManifestsProtectTheDefaultDatabaseNames() throws Exception {
    Container c = ChartTest.operator(read(DEPLOY.resolve("deployment.yaml"), Deployment.class));

    assertThat(ChartTest.env(c)).containsEntry("PROTECTED_DATABASES", PurgeRequest.DEFAULT_PROTECTED_PATTERN);
  }

  @Test
  void purgeJobsRunTheImageOfTheOperatorsOwnPod() throws Exception {
    Container c = ChartTest.operator(read(DEPLOY.resolve("deployment.yaml"), Deployment.class));
    Role role = read(DEPLOY.resolve("role.yaml"), Role.class);

    // Without PURGE_IMAGE the operator reads its Pod: an overlay's image override then reaches the Jobs too.
    assertThat(c.getEnv()).extracting(EnvVar::getName).doesNotContain("PURGE_IMAGE").contains("POD_NAME", "POD_NAMESPACE");
    assertThat(c.getEnv()).filteredOn(e -> e.getName().startsWith("POD_"))
        .allSatisfy(e -> assertThat(e.getValueFrom().getFieldRef()).isNotNull());
    assertThat(role.getMetadata().getNamespace()).isEqualTo("user-data-purge-system");
    assertThat(ChartTest.verbs(role.getRules(), "", "pods")).containsExactly("get");
    assertThat(ChartTest.verbs(role.getRules(), "coordination.k8s.io", "leases"))
        .containsExactlyInAnyOrder("get", "create", "update", "patch");
  }

  @Test
  void rbacBindsTheServiceAccountAndGrantsNoSecrets() throws Exception {
    ClusterRole cr = read(DEPLOY.resolve("clusterrole.yaml"), ClusterRole.class);
    ClusterRoleBinding crb = read(DEPLOY.resolve("clusterrolebinding.yaml"), ClusterRoleBinding.class);
    RoleBinding rb = read(DEPLOY.resolve("rolebinding.yaml"), RoleBinding.class);

    assertThat(Stream.concat(cr.getRules().stream(), read(DEPLOY.resolve("role.yaml"), Role.class).getRules().stream()))
        .allSatisfy(r -> {
          assertThat(r.getResources()).doesNotContain("secrets", "*");
          assertThat(r.getVerbs()).doesNotContain("*");
        });
    assertThat(ChartTest.verbs(cr.getRules(), "datapurge.io", "userdatapurges"))
        .containsExactlyInAnyOrder("get", "list", "watch", "create", "patch", "update", "delete");
    assertThat(ChartTest.verbs(cr.getRules(), "datapurge.io", "userdatapurgeschedules"))
        .containsExactlyInAnyOrder("get", "list", "watch", "patch", "update");
    assertThat(ChartTest.verbs(cr.getRules(), "datapurge.io", "userdatapurgeschedules/status"))
        .containsExactlyInAnyOrder("patch", "update");
    assertThat(ChartTest.verbs(cr.getRules(), "batch", "jobs"))
        .containsExactlyInAnyOrder("get", "list", "watch", "create", "delete");
    for (var subjects : List.of(crb.getSubjects(), rb.getSubjects())) {
      assertThat(subjects).singleElement().satisfies(s -> {
        assertThat(s.getName()).isEqualTo("user-data-purge-operator");
        assertThat(s.getNamespace()).isEqualTo("user-data-purge-system");
      });
    }
    assertThat(crb.getRoleRef().getName()).isEqualTo(cr.getMetadata().getName());
  }

  @Test
  void examplesNameTheSecretAndKeysThatTheExampleSecretHolds() throws Exception {
    Secret secret = read(DEPLOY.resolve("examples/secret.yaml"), Secret.class);

    for (JsonNode purge : examples()) {
      JsonNode ref = purge.at("/spec/database/credentialsSecret");
      assertThat(purge.at("/metadata/namespace").asText()).isEqualTo(secret.getMetadata().getNamespace());
      assertThat(ref.get("name").asText()).isEqualTo(secret.getMetadata().getName());
      assertThat(secret.getStringData()).containsKeys(ref.get("usernameKey").asText(), ref.get("passwordKey").asText());
    }
  }

  @Test
  void planOnlyExampleHasNoConfirmation() throws Exception {
    JsonNode plan = example("plan-only.yaml");

    assertThat(plan.at("/spec/confirm").isMissingNode()).isTrue();
    assertThat(plan.at("/spec/dryRun").asBoolean(false)).isFalse();
  }

  @Test
  void confirmedExamplePurgesTheOriginalDjangoTablesOfTheDatabaseItConfirms() throws Exception {
    JsonNode purge = example("purge.yaml");

    assertThat(purge.at("/spec/tables")).extracting(JsonNode::asText)
        .containsExactly("auth_user", "custom_auth_tenant", "custom_auth_onboardingprogress");
    assertThat(purge.at("/spec/confirm").asText()).isEqualTo(purge.at("/spec/database/name").asText());
    assertThat(purge.at("/spec/includeDependents").asBoolean()).isTrue();
    assertThat(purge.at("/spec/runId").isTextual()).isTrue();
    assertThat(purge.at("/spec/dryRun").asBoolean(false)).isFalse();
  }

  @Test
  void dryRunExampleIsMarkedDryRun() throws Exception {
    assertThat(example("dry-run.yaml").at("/spec/dryRun").asBoolean()).isTrue();
  }

  @Test
  void examplesUseOnlyTheResourceContractsFields() throws Exception {
    for (JsonNode purge : examples()) {
      assertThat(purge.get("apiVersion").asText()).isEqualTo("datapurge.io/v1alpha1");
      assertThat(purge.get("kind").asText()).isEqualTo("UserDataPurge");
      assertThat(fieldNames(purge.get("spec"))).isSubsetOf(
          "database", "tables", "where", "includeDependents", "keep", "strategy", "confirm", "dryRun", "runId",
          "seed", "resetSequences");
      assertThat(fieldNames(purge.at("/spec/database")))
          .isSubsetOf("host", "port", "name", "sslMode", "credentialsSecret");
      assertThat(purge.at("/spec/database/sslMode").asText("verify-full"))
          .isIn("disable", "require", "verify-ca", "verify-full");
      assertThat(purge.at("/spec/strategy").asText("Delete")).isIn("Delete", "Truncate");
    }
  }

  @Test
  void examplesAreValidAgainstTheGeneratedCrdSchema() throws Exception {
    assertThat(CRD).as("the generated CRD (mvn compile generates it, hack/update-crds.sh commits it)").exists();
    CustomResourceDefinition crd = read(CRD, CustomResourceDefinition.class);
    JSONSchemaProps schema = crd.getSpec().getVersions().stream()
        .filter(v -> v.getName().equals("v1alpha1")).findFirst().orElseThrow().getSchema().getOpenAPIV3Schema();

    for (JsonNode purge : examples()) {
      List<String> problems = new ArrayList<>();
      validate(YAML.createObjectNode().set("spec", purge.get("spec")), schema, "", problems);
      assertThat(problems).as(purge.at("/metadata/name").asText()).isEmpty();
    }
  }

  @Test
  void seedExampleShipsTheConfigMapItNamesAndItsSqlSplitsIntoStatements() throws Exception {
    List<JsonNode> docs = YAML.readValues(YAML.createParser(DEPLOY.resolve("examples/reset-and-seed.yaml").toFile()),
        JsonNode.class).readAll();
    assertThat(docs).hasSize(2);
    JsonNode seed = docs.get(0).at("/spec/seed/0");
    JsonNode configMap = docs.get(1);
    assertThat(configMap.get("kind").asText()).isEqualTo("ConfigMap");
    assertThat(configMap.at("/metadata/name").asText()).isEqualTo(seed.get("configMap").asText());
    String sql = configMap.at("/data/" + seed.get("key").asText()).asText();
    assertThat(io.datapurge.purge.SeedScript.parse("admin.sql", sql).size()).isEqualTo(3);
    assertThat(docs.get(0).at("/spec/resetSequences").asBoolean()).isTrue();
  }

  @Test
  void scheduleExampleIsValidAgainstTheScheduleCrdAndPurgesTheDatabaseItConfirms() throws Exception {
    JsonNode schedule = example("schedule.yaml");
    Secret secret = read(DEPLOY.resolve("examples/secret.yaml"), Secret.class);
    CustomResourceDefinition crd = read(Path.of("crds", "userdatapurgeschedules.datapurge.io-v1.yml"),
        CustomResourceDefinition.class);
    JSONSchemaProps schema = crd.getSpec().getVersions().get(0).getSchema().getOpenAPIV3Schema();

    assertThat(schedule.get("kind").asText()).isEqualTo("UserDataPurgeSchedule");
    List<String> problems = new ArrayList<>();
    validate(YAML.createObjectNode().set("spec", schedule.get("spec")), schema, "", problems);
    assertThat(problems).isEmpty();
    JsonNode purge = schedule.at("/spec/template/spec");
    assertThat(purge.at("/confirm").asText()).isEqualTo(purge.at("/database/name").asText());
    assertThat(purge.at("/database/credentialsSecret/name").asText()).isEqualTo(secret.getMetadata().getName());
    assertThat(schedule.at("/metadata/namespace").asText()).isEqualTo(secret.getMetadata().getNamespace());
    assertThat(schedule.at("/spec/schedule").asText().split(" ")).hasSize(5);
  }

  @Test
  void fluxExampleChecksTheHealthOfTheExamplePurge() throws Exception {
    List<JsonNode> docs = YAML.readValues(YAML.createParser(DEPLOY.resolve("gitops/flux/purge-kustomization.yaml").toFile()),
        JsonNode.class).readAll();
    JsonNode purge = example("purge.yaml");

    assertThat(docs).hasSize(2).allSatisfy(d -> assertThat(d.get("kind").asText()).isEqualTo("Kustomization"));
    assertThat(docs.get(0).at("/spec/healthChecks/0/name").asText()).isEqualTo(purge.at("/metadata/name").asText());
    assertThat(docs.get(0).at("/spec/healthChecks/0/apiVersion").asText()).isEqualTo("datapurge.io/v1alpha1");
    JsonNode cel = docs.get(1).at("/spec/healthCheckExprs/0");
    assertThat(cel.get("kind").asText()).isEqualTo("UserDataPurge");
    assertThat(cel.get("current").asText()).contains("'Succeeded'").doesNotContain("'AwaitingConfirmation'");
    assertThat(cel.get("failed").asText()).contains("'Failed'", "'Blocked'");
  }

  static List<HasMetadata> kustomize(Path dir) throws Exception {
    Process p = new ProcessBuilder("kubectl", "kustomize", dir.toString()).redirectErrorStream(false).start();
    String out = new String(p.getInputStream().readAllBytes());
    String err = new String(p.getErrorStream().readAllBytes());
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as("kubectl kustomize %s: %s", dir, err).isZero();
    return Arrays.stream(out.split("(?m)^---\\s*$")).filter(s -> !s.isBlank())
        .map(s -> (HasMetadata) SERIALIZATION.unmarshal(s, HasMetadata.class)).toList();
  }

  static <T> T read(Path file, Class<T> type) throws IOException {
    return SERIALIZATION.unmarshal(Files.readString(file), type);
  }

  static JsonNode example(String name) throws IOException {
    return YAML.readTree(DEPLOY.resolve("examples").resolve(name).toFile());
  }

  static List<JsonNode> examples() throws IOException {
    return List.of(example("plan-only.yaml"), example("purge.yaml"), example("dry-run.yaml"),
        example("reset-and-seed.yaml"));
  }

  private static List<String> fieldNames(JsonNode node) {
    List<String> names = new ArrayList<>();
    node.fieldNames().forEachRemaining(names::add);
    return names;
  }

  private static boolean isClusterScoped(HasMetadata o) {
    return List.of("Namespace", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition").contains(o.getKind());
  }

  /** The parts of structural-schema validation the examples exercise: fields, types, enums, required, patterns. */
  private static void validate(JsonNode value, JSONSchemaProps schema, String path, List<String> problems) {
    if (schema == null) {
      problems.add(path + ": not in the schema");
      return;
    }
    if (schema.getEnum() != null && !schema.getEnum().isEmpty()
        && schema.getEnum().stream().noneMatch(e -> e.asText().equals(value.asText()))) {
      problems.add(path + ": " + value + " is not one of " + schema.getEnum());
    }
    if (schema.getPattern() != null && value.isTextual() && !value.asText().matches(schema.getPattern())) {
      problems.add(path + ": " + value + " does not match " + schema.getPattern());
    }
    String type = schema.getType();
    if ("object".equals(type) && value.isObject()) {
      if (schema.getRequired() != null) {
        schema.getRequired().stream().filter(r -> !value.has(r)).forEach(r -> problems.add(path + "." + r + ": required"));
      }
      if (Boolean.TRUE.equals(schema.getXKubernetesPreserveUnknownFields()) || schema.getProperties() == null) {
        return;
      }
      for (Iterator<Map.Entry<String, JsonNode>> it = value.fields(); it.hasNext(); ) {
        var field = it.next();
        validate(field.getValue(), schema.getProperties().get(field.getKey()),
            path.isEmpty() ? field.getKey() : path + "." + field.getKey(), problems);
      }
    } else if ("array".equals(type) && value.isArray()) {
      for (int i = 0; i < value.size(); i++) {
        validate(value.get(i), schema.getItems().getSchema(), path + "[" + i + "]", problems);
      }
    } else if (type != null && !matchesType(type, value)) {
      problems.add(path + ": " + value + " is not " + type);
    }
  }

  private static boolean matchesType(String type, JsonNode value) {
    return switch (type) {
      case "string" -> value.isTextual();
      case "integer" -> value.isIntegralNumber();
      case "number" -> value.isNumber();
      case "boolean" -> value.isBoolean();
      case "object" -> value.isObject();
      case "array" -> value.isArray();
      default -> true;
    };
  }
}
