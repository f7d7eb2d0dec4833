package io.datapurge.operator;

import static io.datapurge.operator.UserDataPurgeIT.counts;
import static io.datapurge.operator.UserDataPurgeIT.kubectl;
import static io.datapurge.operator.UserDataPurgeIT.newDatabase;
import static io.datapurge.operator.UserDataPurgeIT.sum;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.datapurge.api.Phase;
import io.datapurge.api.UserDataPurge;
import io.datapurge.api.UserDataPurgeSchedule;
import io.datapurge.api.UserDataPurgeScheduleStatus;
import io.datapurge.api.UserDataPurgeStatus;
import io.datapurge.cli.OperatorCommand;
import io.datapurge.testing.ControlPlane;
import io.datapurge.testing.Kubectl;
import io.datapurge.testing.PostgresServer;
import io.datapurge.testing.PurgeResources;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaPropsBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import picocli.CommandLine;

/**
 * An operator older than the installed CRD: the cluster holds this project's CRDs plus one spec
 * property this operator's model lacks ({@code onlyOlderThan}, no default, as a newer release might
 * add a restriction of what is purged). A resource using it is refused by name and runs nothing;
 * every other resource reconciles as usual. The project's CRDs are applied again afterwards.
 */
@ExtendWith(ControlPlane.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class UnknownFieldsIT {

  static final String FIELD = "onlyOlderThan";
  static final Duration TIMEOUT = Duration.ofSeconds(120);

  final KubernetesClient client;
  /** Reads as the operator does (a user's kubectl shows these resources too; Fabric8's default would refuse them). */
  KubernetesClient reader;
  String namespace;
  OperatorCommand.Running operator;
  String db;
  Map<String, Long> before;

  UnknownFieldsIT(KubernetesClient client) {
    this.client = client;
  }

  @BeforeAll
  void installNewerCrdsThenStartTheOperator() {
    Kubectl.applyCrds();
    namespace = ControlPlane.createNamespace(client, "unknown-fields-it");
    ControlPlane.grantDeployRbac(client, namespace, "user-data-purge-operator", clusterRoleName());
    kubectl(PurgeResourcesText.secret(namespace), "apply", "-f", "-");
    reader = new KubernetesClientBuilder().withConfig(client.getConfiguration())
        .withKubernetesSerialization(new OperatorSerialization()).build();
    applyWithExtraProperty("crds/userdatapurges.datapurge.io-v1.yml", s -> s.getProperties().get("spec"));
    applyWithExtraProperty("crds/userdatapurgeschedules.datapurge.io-v1.yml",
        s -> s.getProperties().get("spec").getProperties().get("template").getProperties().get("spec"));

    // Created before the operator starts (its informer lists it), confirmed: ignoring the field would purge.
    db = newDatabase();
    before = counts(db);
    kubectl(PurgeResourcesText.purge(namespace, "refused", db, true) + "  " + FIELD + ": 30d\n", "apply", "-f", "-");
    operator = startOperator();
  }

  @AfterAll
  void restoreProjectCrds() {
    try {
      if (operator != null) {
        operator.close();
      }
      if (reader != null) {
        reader.close();
      }
      client.rbac().clusterRoleBindings().withName(clusterRoleName()).delete();
      client.rbac().clusterRoles().withName(clusterRoleName()).delete();
      if (namespace != null) {
        client.namespaces().withName(namespace).delete();
      }
    } finally {
      Kubectl.applyCrds();
    }
    assertThat(kubectl(null, "get", "crd", "userdatapurges.datapurge.io", "userdatapurgeschedules.datapurge.io", "-o", "yaml"))
        .as("the project's CRDs are back").doesNotContain(FIELD);
  }

  @Test
  void aPurgeUsingAFieldThisOperatorDoesNotKnowIsBlockedNamingItWhileTheOthersRun() {
    UserDataPurgeStatus refused = purges().awaitPhase("refused", Phase.Blocked);
    assertThat(refused.getReason()).isEqualTo("UnknownFields");
    assertThat(refused.getMessage()).contains("does not know spec." + FIELD + ": upgrade the operator to the version"
        + " of the installed CRD, or remove the field", "Nothing was run");
    assertThat(refused.condition("Stalled").getStatus()).isEqualTo("True");
    assertThat(kubectl(null, "-n", namespace, "get", "purge", "refused")).containsPattern("refused\\s+Blocked");

    // Created after (a watch event): the informer still delivers, and this one plans as usual.
    kubectl(PurgeResourcesText.purge(namespace, "plain", db, false), "apply", "-f", "-");
    UserDataPurgeStatus plan = purges().awaitPhase("plain", Phase.AwaitingConfirmation);
    assertThat(plan.getTotals().getBefore()).isEqualTo(sum(before));

    assertThat(purges().jobsOf("refused")).as("no Job for the refused purge").isEmpty();
    assertThat(purges().jobsOf("plain")).hasSize(1);
    assertThat(counts(db)).as("nothing was deleted").isEqualTo(before);
    assertThat(purges().get("refused").unknownFields()).containsExactly("spec." + FIELD);
  }

  @Test
  void aScheduleWhoseTemplateUsesTheFieldIsStalledAndCreatesNoRun() {
    String schedule = "every-minute";
    String text = PurgeResourcesText.schedule(namespace, schedule, "* * * * *") + "      " + FIELD + ": 30d\n";
    kubectl(text, "apply", "-f", "-");
    Instant created = Instant.now();

    UserDataPurgeScheduleStatus status = await().atMost(TIMEOUT).pollInterval(Duration.ofMillis(250)).until(
        () -> reader.resources(UserDataPurgeSchedule.class).inNamespace(namespace).withName(schedule).get().getStatus(),
        s -> s != null && s.condition("Stalled") != null && "True".equals(s.condition("Stalled").getStatus()));
    assertThat(status.condition("Ready").getReason()).isEqualTo("UnknownFields");
    assertThat(status.condition("Ready").getMessage()).contains("does not know spec.template.spec." + FIELD,
        "No run is created");

    // The next minute's tick passes without a run.
    Instant afterTick = created.truncatedTo(ChronoUnit.MINUTES).plus(Duration.ofMinutes(1)).plusSeconds(10);
    await().atMost(Duration.ofSeconds(90)).until(() -> Instant.now().isAfter(afterTick));
    assertThat(reader.resources(UserDataPurge.class).inNamespace(namespace)
        .withLabel(ScheduleDecision.LABEL, schedule).list().getItems()).isEmpty();
  }

  OperatorCommand.Running startOperator() {
    OperatorCommand command = new OperatorCommand();
    new CommandLine(command).parseArgs("--namespaces", namespace, "--purge-image", ControlPlane.image(),
        "--http-port", "0");
    try {
      return command.start(ControlPlane.serviceAccountClient(client, namespace, "user-data-purge-operator"));
    } catch (Exception e) {
      throw new IllegalStateException("operator did not start", e);
    }
  }

  PurgeResources purges() {
    return new PurgeResources(reader, namespace, TIMEOUT);
  }

  String clusterRoleName() {
    return namespace + "-user-data-purge-operator";
  }

  /**
   * Applies the project's CRD {@code file} with one more string property, {@code FIELD}, in the object
   * {@code where} picks, as kubectl (the field manager the project's CRDs are applied with, so applying
   * them again removes it); waits until the API server keeps the field in a new object.
   */
  @SuppressWarnings("unchecked")
  void applyWithExtraProperty(String file, Function<JSONSchemaProps, JSONSchemaProps> where) {
    CustomResourceDefinition crd;
    try (InputStream in = Files.newInputStream(Path.of(file))) {
      crd = client.apiextensions().v1().customResourceDefinitions().load(in).item();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    where.apply(crd.getSpec().getVersions().get(0).getSchema().getOpenAPIV3Schema()).getProperties()
        .put(FIELD, new JSONSchemaPropsBuilder().withType("string")
            .withDescription("Only rows older than this (a newer operator's field).").build());
    kubectl(client.getKubernetesSerialization().asYaml(crd), "apply", "--server-side", "--force-conflicts", "-f", "-");
    String kind = crd.getSpec().getNames().getKind();
    GenericKubernetesResource probe = client.getKubernetesSerialization().unmarshal(kind.equals("UserDataPurge")
        ? PurgeResourcesText.purge(namespace, "probe", "probe", false) + "  " + FIELD + ": 30d\n"
        : PurgeResourcesText.schedule(namespace, "probe", "0 3 * * *") + "      " + FIELD + ": 30d\n",
        GenericKubernetesResource.class);
    // The API server takes a moment to serve the new schema; until then it prunes the field.
    await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).until(() -> {
      GenericKubernetesResource dry = client.resource(probe).dryRun().create();
      Map<String, Object> spec = (Map<String, Object>) dry.getAdditionalProperties().get("spec");
      if (kind.equals("UserDataPurgeSchedule")) {
        spec = (Map<String, Object>) ((Map<String, Object>) spec.get("template")).get("spec");
      }
      return spec.containsKey(FIELD);
    });
  }

  /** The manifests of deploy/examples, pointed at the test's namespace and PostgreSQL. */
  static final class PurgeResourcesText {
    static String secret(String namespace) {
      return example("secret.yaml", namespace).replace("username: purge", "username: " + PostgresServer.user())
          .replace("password: change-me", "password: " + PostgresServer.password());
    }

    /** A UserDataPurge whose spec ends the text, so a line appended with two spaces joins it. */
    static String purge(String namespace, String name, String db, boolean confirmed) {
      String text = database(example(confirmed ? "purge.yaml" : "plan-only.yaml", namespace), db)
          .replaceFirst("(?m)^  name: .*$", "  name: " + name);
      return text.endsWith("\n") ? text : text + "\n";
    }

    /** A schedule whose template's spec ends the text (six spaces join it). */
    static String schedule(String namespace, String name, String cron) {
      String text = database(example("schedule.yaml", namespace), "pyfactor_unknown_fields")
          .replaceFirst("(?m)^  name: .*$", "  name: " + name)
          .replaceFirst("(?m)^  schedule: .*$", "  schedule: \"" + cron + "\"")
          .replaceFirst("(?m)^  timeZone: .*\\n", "");
      return text.endsWith("\n") ? text : text + "\n";
    }

    private static String database(String text, String db) {
      return text.replace("host: postgres.staging.svc", "host: " + PostgresServer.host())
          .replace("port: 5432", "port: " + PostgresServer.port())
          .replace("name: pyfactor", "name: " + db).replace("confirm: pyfactor", "confirm: " + db);
    }

    private static String example(String file, String namespace) {
      try {
        return Files.readString(Path.of("deploy/examples", file)).replace("namespace: staging", "namespace: " + namespace);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }
}
