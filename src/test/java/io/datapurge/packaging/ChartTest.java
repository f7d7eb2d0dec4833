package io.datapurge.packaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import io.datapurge.purge.PurgeRequest;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The Helm chart, linted and rendered by the real Helm, read back as Kubernetes objects. */
class ChartTest {

  static final String SA = "user-data-purge-operator";

  @Test
  void helmLintReportsNoErrorsOrWarnings() {
    LintResult lint = new Helm(RenderedChart.CHART.toAbsolutePath()).lint().strict().call();

    assertThat(lint.isFailed()).as("helm lint --strict: %s", lint.getMessages()).isFalse();
    assertThat(lint.getMessages()).noneMatch(m -> m.contains("[ERROR]") || m.contains("[WARNING]"));
  }

  @Test
  void defaultInstallWatchesEveryNamespaceThroughOneClusterRoleBinding() {
    RenderedChart chart = RenderedChart.render(Map.of());

    ClusterRoleBinding binding = chart.one(ClusterRoleBinding.class);
    assertThat(binding.getRoleRef().getName()).isEqualTo(chart.one(ClusterRole.class).getMetadata().getName());
    assertThat(binding.getSubjects()).singleElement().satisfies(s -> {
      assertThat(s.getKind()).isEqualTo("ServiceAccount");
      assertThat(s.getName()).isEqualTo(SA);
      assertThat(s.getNamespace()).isEqualTo(RenderedChart.NAMESPACE);
    });
    assertThat(chart.one(ServiceAccount.class).getMetadata().getName()).isEqualTo(SA);
    assertThat(env(chart)).containsEntry("WATCH_NAMESPACES", "");
    // The only namespaced Role is the Lease one, in the operator's namespace.
    assertThat(chart.all(Role.class)).extracting(r -> r.getMetadata().getNamespace())
        .containsExactly(RenderedChart.NAMESPACE);
  }

  @Test
  void watchNamespaceListGrantsARolePerNamespaceAndNothingClusterWide() {
    RenderedChart chart = RenderedChart.render(Map.of("watchNamespaces", List.of("staging", "preview")));

    assertThat(chart.all(ClusterRole.class)).isEmpty();
    assertThat(chart.all(ClusterRoleBinding.class)).isEmpty();
    for (String ns : List.of("staging", "preview")) {
      Role role = chart.all(Role.class).stream()
          .filter(r -> ns.equals(r.getMetadata().getNamespace())).findFirst().orElseThrow();
      assertThat(verbs(role.getRules(), "batch", "jobs")).contains("create", "delete");
      assertThat(verbs(role.getRules(), "datapurge.io", "userdatapurges/status")).contains("patch");
      assertThat(verbs(role.getRules(), "datapurge.io", "userdatapurges")).contains("create", "delete");
      assertThat(verbs(role.getRules(), "datapurge.io", "userdatapurgeschedules/status")).contains("patch");
      RoleBinding binding = chart.all(RoleBinding.class).stream()
          .filter(b -> ns.equals(b.getMetadata().getNamespace())).findFirst().orElseThrow();
      assertThat(binding.getRoleRef().getKind()).isEqualTo("Role");
      assertThat(binding.getRoleRef().getName()).isEqualTo(role.getMetadata().getName());
      assertThat(binding.getSubjects()).singleElement().satisfies(s -> {
        assertThat(s.getName()).isEqualTo(SA);
        assertThat(s.getNamespace()).isEqualTo(RenderedChart.NAMESPACE);
      });
    }
    assertThat(env(chart)).containsEntry("WATCH_NAMESPACES", "staging,preview");
  }

  @Test
  void noRenderedRoleGrantsSecretsOrWildcards() {
    for (Map<String, ?> values : List.<Map<String, ?>>of(
        Map.of(), Map.of("watchNamespaces", List.of("staging")), Map.of("replicaCount", 2))) {
      RenderedChart chart = RenderedChart.render(values);
      List<PolicyRule> rules = Stream.concat(
          chart.all(ClusterRole.class).stream().flatMap(r -> r.getRules().stream()),
          chart.all(Role.class).stream().flatMap(r -> r.getRules().stream())).toList();

      assertThat(rules).as("rules rendered with %s", values).isNotEmpty().allSatisfy(rule -> {
        assertThat(rule.getResources()).doesNotContain("secrets", "*");
        assertThat(rule.getApiGroups()).doesNotContain("*");
        assertThat(rule.getVerbs()).doesNotContain("*", "escalate", "bind", "impersonate");
      });
    }
  }

  @Test
  void operatorPodMeetsTheRestrictedPodSecurityStandard() {
    Deployment deployment = RenderedChart.render(Map.of()).one(Deployment.class);
    PodSecurityContext pod = deployment.getSpec().getTemplate().getSpec().getSecurityContext();
    SecurityContext container = operator(deployment).getSecurityContext();

    assertThat(pod.getRunAsNonRoot()).isTrue();
    assertThat(pod.getRunAsUser()).isEqualTo(65532L);
    assertThat(pod.getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
    assertThat(container.getAllowPrivilegeEscalation()).isFalse();
    assertThat(container.getReadOnlyRootFilesystem()).isTrue();
    assertThat(container.getRunAsNonRoot()).isTrue();
    assertThat(container.getCapabilities().getDrop()).containsExactly("ALL");
    assertThat(container.getCapabilities().getAdd()).isNullOrEmpty();
    assertThat(container.getPrivileged()).isNotEqualTo(Boolean.TRUE);
    // A read-only root still needs a writable /tmp for the JVM.
    assertThat(operator(deployment).getVolumeMounts()).anyMatch(m -> m.getMountPath().equals("/tmp"));
    assertThat(deployment.getSpec().getTemplate().getSpec().getHostNetwork()).isNotEqualTo(Boolean.TRUE);
  }

  @Test
  void operatorContainerServesProbesOnTheHttpPortAndStartsTheOperatorCommand() {
    Container c = operator(RenderedChart.render(Map.of()).one(Deployment.class));

    assertThat(c.getArgs()).containsExactly("operator");
    assertThat(c.getPorts()).singleElement().satisfies(p -> {
      assertThat(p.getName()).isEqualTo("http");
      assertThat(p.getContainerPort()).isEqualTo(8080);
    });
    assertThat(c.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/healthz");
    assertThat(c.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/readyz");
    assertThat(c.getLivenessProbe().getHttpGet().getPort().getStrVal()).isEqualTo("http");
    assertThat(env(c)).containsEntry("HTTP_PORT", "8080");
    assertThat(c.getResources().getLimits()).containsKey("memory");
  }

  @Test
  void purgeJobsRunTheOperatorImageUnlessOverridden() {
    Container byTag = operator(RenderedChart.render(Map.of()).one(Deployment.class));
    assertThat(byTag.getImage()).isEqualTo("datapurge/user-data-purge-operator:0.1.0");
    assertThat(env(byTag)).containsEntry("PURGE_IMAGE", byTag.getImage());

    String digest = "sha256:" + "a".repeat(64);
    Container byDigest = operator(RenderedChart.render(
        Map.of("image", Map.of("repository", "registry.example/purge", "tag", "1.2.3", "digest", digest)))
        .one(Deployment.class));
    assertThat(byDigest.getImage()).isEqualTo("registry.example/purge@" + digest);
    assertThat(env(byDigest)).containsEntry("PURGE_IMAGE", byDigest.getImage());

    Container overridden = operator(RenderedChart.render(Map.of("purgeImage", "registry.example/purge:debug"))
        .one(Deployment.class));
    assertThat(env(overridden)).containsEntry("PURGE_IMAGE", "registry.example/purge:debug");
  }

  @Test
  void operatorLearnsItsPodAndNamespaceFromTheDownwardApi() {
    Container c = operator(RenderedChart.render(Map.of()).one(Deployment.class));
    Map<String, String> fieldRefs = c.getEnv().stream()
        .filter(e -> e.getValueFrom() != null && e.getValueFrom().getFieldRef() != null)
        .collect(Collectors.toMap(EnvVar::getName, e -> e.getValueFrom().getFieldRef().getFieldPath()));

    assertThat(fieldRefs).containsEntry("POD_NAME", "metadata.name").containsEntry("POD_NAMESPACE", "metadata.namespace");
    assertThat(c.getEnv()).noneMatch(e -> e.getValueFrom() != null && e.getValueFrom().getSecretKeyRef() != null);
  }

  @Test
  void twoReplicasElectALeaderThroughALeaseInTheOperatorNamespace() {
    RenderedChart chart = RenderedChart.render(Map.of("replicaCount", 2, "leaderElection", Map.of("enabled", true)));

    assertThat(chart.one(Deployment.class).getSpec().getReplicas()).isEqualTo(2);
    assertThat(env(chart)).containsEntry("LEADER_ELECTION", "true");
    Role lease = chart.find(Role.class, "user-data-purge-operator-leader-election").orElseThrow();
    assertThat(lease.getMetadata().getNamespace()).isEqualTo(RenderedChart.NAMESPACE);
    assertThat(verbs(lease.getRules(), "coordination.k8s.io", "leases")).containsExactlyInAnyOrder("get", "create", "update", "patch");
    assertThat(chart.find(RoleBinding.class, "user-data-purge-operator-leader-election")).isPresent();
  }

  @Test
  void twoReleasesInOneNamespaceElectTheirLeadersThroughDifferentLeases() {
    String first = env(RenderedChart.render(Map.of())).get("LEASE_NAME");
    String second = env(RenderedChart.render("second", RenderedChart.NAMESPACE, Map.of())).get("LEASE_NAME");

    assertThat(first).isEqualTo(io.datapurge.cli.OperatorCommand.LEASE_NAME); // upgrades keep the same Lease
    assertThat(second).isEqualTo("second-user-data-purge-operator").isNotEqualTo(first);
  }

  @Test
  void theMetricsServiceIsNamedAsTheConfigurationReferenceSays() throws Exception {
    Service service = RenderedChart.render("foo", RenderedChart.NAMESPACE, Map.of("metrics", Map.of("enabled", true)))
        .one(Service.class);
    String docs = Files.readString(Path.of("docs", "configuration.md"));

    assertThat(service.getMetadata().getName()).isEqualTo("foo-user-data-purge-operator-metrics");
    assertThat(docs).contains("`<release>-user-data-purge-operator-metrics`", "`user-data-purge-operator-metrics`");
  }

  @Test
  void twoReplicasWithoutLeaderElectionAreRefusedWithTheFix() {
    assertThatThrownBy(() -> RenderedChart.render(Map.of("replicaCount", 2, "leaderElection", Map.of("enabled", false))))
        .hasMessageContaining("replicaCount=2 needs leaderElection.enabled=true");
  }

  @Test
  void withoutLeaderElectionUpgradesRecreateThePodAndNoLeaseRoleIsGranted() {
    RenderedChart chart = RenderedChart.render(Map.of("leaderElection", Map.of("enabled", false)));

    assertThat(chart.one(Deployment.class).getSpec().getStrategy().getType()).isEqualTo("Recreate");
    assertThat(env(chart)).containsEntry("LEADER_ELECTION", "false");
    assertThat(chart.all(Role.class)).isEmpty();
  }

  @Test
  void schemaRejectsAnUnknownLogFormatNamingTheField() {
    assertThatThrownBy(() -> RenderedChart.render(Map.of("logFormat", "xml")))
        .hasMessageContaining("values don't meet the specifications of the schema")
        .hasMessageContaining("logFormat");
  }

  @Test
  void schemaRejectsAMisspelledKeyInsteadOfIgnoringIt() {
    assertThatThrownBy(() -> RenderedChart.render(Map.of("leaderElection", Map.of("enable", true))))
        .hasMessageContaining("enable");
  }

  @Test
  void schemaRejectsMisspelledKeysInsideThePodAndContainerSettings() {
    // Each would otherwise be dropped silently by the template: the limit, the rule, the check lost.
    Map<String, Map<String, ?>> typos = Map.of(
        "limit", Map.of("resources", Map.of("limit", Map.of("memory", "1Gi"))),
        "nodeAfinity", Map.of("affinity", Map.of("nodeAfinity", Map.of())),
        "runAsNonroot", Map.of("podSecurityContext", Map.of("runAsNonroot", true)),
        "readOnlyRootFileSystem", Map.of("securityContext", Map.of("readOnlyRootFileSystem", true)),
        "drops", Map.of("securityContext", Map.of("capabilities", Map.of("drops", List.of("ALL")))),
        "typ", Map.of("podSecurityContext", Map.of("seccompProfile", Map.of("typ", "RuntimeDefault"))));

    typos.forEach((key, values) -> assertThatThrownBy(() -> RenderedChart.render(values))
        .as("values %s", values)
        .hasMessageContaining("values don't meet the specifications of the schema")
        .hasMessageContaining(key));
  }

  @Test
  void theStricterSchemaStillTakesEveryKubernetesFieldOfThoseSettings() {
    Deployment d = RenderedChart.render(Map.of(
        "resources", Map.of("requests", Map.of("cpu", "250m", "memory", "300Mi"), "limits", Map.of("memory", "1Gi", "cpu", 1)),
        "affinity", Map.of("podAntiAffinity", Map.of("preferredDuringSchedulingIgnoredDuringExecution", List.of(
            Map.of("weight", 100, "podAffinityTerm", Map.of("topologyKey", "kubernetes.io/hostname"))))),
        "podSecurityContext", Map.of("runAsNonRoot", true, "runAsUser", 65532, "fsGroup", 65532,
            "seccompProfile", Map.of("type", "RuntimeDefault")),
        "securityContext", Map.of("allowPrivilegeEscalation", false, "readOnlyRootFilesystem", true,
            "capabilities", Map.of("drop", List.of("ALL")), "seccompProfile", Map.of("type", "RuntimeDefault"))))
        .one(Deployment.class);

    assertThat(operator(d).getResources().getLimits().get("memory").toString()).isEqualTo("1Gi");
    assertThat(d.getSpec().getTemplate().getSpec().getAffinity().getPodAntiAffinity()
        .getPreferredDuringSchedulingIgnoredDuringExecution()).hasSize(1);
    assertThat(d.getSpec().getTemplate().getSpec().getSecurityContext().getFsGroup()).isEqualTo(65532L);
  }

  @Test
  void schemaRejectsAJobDeadlineThatIsNotADuration() {
    assertThatThrownBy(() -> RenderedChart.render(Map.of("job", Map.of("deadline", "30 minutes"))))
        .hasMessageContaining("/job/deadline");
    assertThatThrownBy(() -> RenderedChart.render(Map.of("job", Map.of("ttl", "0s"))))
        .hasMessageContaining("/job/ttl");
  }

  @Test
  void settingsReachTheOperatorAsItsEnvironment() {
    RenderedChart chart = RenderedChart.render(Map.of(
        "logFormat", "plain", "protectedDatabases", "^(prod|live)_.*",
        "job", Map.of("deadline", "2h", "ttl", "1h30m")));

    assertThat(env(chart))
        .containsEntry("LOG_FORMAT", "plain")
        .containsEntry("PROTECTED_DATABASES", "^(prod|live)_.*")
        .containsEntry("JOB_DEADLINE", "2h")
        .containsEntry("JOB_TTL", "1h30m");
  }

  @Test
  void defaultProtectedPatternIsTheOneThePurgeCommandAndTheOperatorUse() throws Exception {
    Map<?, ?> values = new ObjectMapper(new YAMLFactory())
        .readValue(RenderedChart.CHART.resolve("values.yaml").toFile(), Map.class);

    assertThat(values.get("protectedDatabases")).isEqualTo(PurgeRequest.DEFAULT_PROTECTED_PATTERN);
    assertThat(env(RenderedChart.render(Map.of())))
        .containsEntry("PROTECTED_DATABASES", PurgeRequest.DEFAULT_PROTECTED_PATTERN);
  }

  @Test
  void metricsAreOffByDefaultAndAServiceMonitorBringsItsService() {
    assertThat(RenderedChart.render(Map.of()).all(Service.class)).isEmpty();

    RenderedChart chart = RenderedChart.render(Map.of("metrics", Map.of("serviceMonitor", Map.of("enabled", true))));
    Service service = chart.one(Service.class);
    assertThat(service.getSpec().getPorts()).singleElement()
        .satisfies(p -> assertThat(p.getTargetPort().getStrVal()).isEqualTo("http"));
    assertThat(service.getSpec().getSelector())
        .isEqualTo(chart.one(Deployment.class).getSpec().getSelector().getMatchLabels());
    GenericKubernetesResource monitor = chart.all(GenericKubernetesResource.class).stream()
        .filter(o -> o.getKind().equals("ServiceMonitor")).findFirst().orElseThrow();
    assertThat(monitor.getApiVersion()).isEqualTo("monitoring.coreos.com/v1");
    assertThat(monitor.<String>get("spec", "endpoints", 0, "path")).isEqualTo("/metrics");
  }

  @Test
  void schedulingValuesReachThePod() {
    Deployment d = RenderedChart.render(Map.of(
        "nodeSelector", Map.of("kubernetes.io/os", "linux"),
        "tolerations", List.of(Map.of("key", "dedicated", "operator", "Exists", "effect", "NoSchedule"))))
        .one(Deployment.class);

    assertThat(d.getSpec().getTemplate().getSpec().getNodeSelector()).containsEntry("kubernetes.io/os", "linux");
    assertThat(d.getSpec().getTemplate().getSpec().getTolerations()).singleElement()
        .satisfies(t -> assertThat(t.getKey()).isEqualTo("dedicated"));
  }

  @Test
  void chartGrantsTheSameClusterRulesAsTheDeployManifests() throws Exception {
    ClusterRole deploy = new KubernetesSerialization()
        .unmarshal(Files.readString(Path.of("deploy", "clusterrole.yaml")), ClusterRole.class);

    assertThat(RenderedChart.render(Map.of()).one(ClusterRole.class).getRules())
        .containsExactlyElementsOf(deploy.getRules());
  }

  @Test
  void renderedChartCanBeWrittenForKubectlApply() throws Exception {
    RenderedChart chart = RenderedChart.render(Map.of());
    Path file = chart.writeTo(Path.of("target", "rendered-chart", "default.yaml"));

    assertThat(Files.readString(file)).isEqualTo(chart.yaml());
    assertThat(chart.objects()).extracting(HasMetadata::getKind)
        .contains("ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Deployment");
  }

  @Test
  void everyTopLevelValueIsDocumentedInTheConfigurationReference() throws Exception {
    Map<?, ?> values = new ObjectMapper(new YAMLFactory())
        .readValue(RenderedChart.CHART.resolve("values.yaml").toFile(), Map.class);
    String docs = Files.readString(Path.of("docs", "configuration.md"));

    assertThat(values.keySet()).allSatisfy(key -> assertThat(docs).contains("`" + key));
  }

  @Test
  void helmShowReadmeDocumentsEveryTopLevelValue() throws Exception {
    String readme = Helm.show(RenderedChart.CHART.toAbsolutePath().toString()).readme().call();
    Map<?, ?> values = new ObjectMapper(new YAMLFactory())
        .readValue(RenderedChart.CHART.resolve("values.yaml").toFile(), Map.class);

    assertThat(readme).startsWith("# user-data-purge-operator");
    assertThat(values.keySet()).allSatisfy(key -> assertThat(readme).contains("`" + key));
  }

  @Test
  void chartMetadataNamesItsHomeSourcesAndMaintainers() throws Exception {
    Map<?, ?> chart = new ObjectMapper(new YAMLFactory())
        .readValue(RenderedChart.CHART.resolve("Chart.yaml").toFile(), Map.class);

    assertThat(chart.get("home")).asString().startsWith("https://");
    assertThat((List<?>) chart.get("sources")).isNotEmpty();
    assertThat((List<?>) chart.get("maintainers")).isNotEmpty();
    assertThat(chart.get("kubeVersion")).isEqualTo(">=1.25.0-0");
  }

  @Test
  void helmRefusesAClusterOlderThanTheChartNeeds() {
    assertThatThrownBy(() -> RenderedChart.render("old", "purge-system", Map.of(), "v1.24.17"))
        .hasMessageContaining("chart requires kubeVersion: >=1.25.0-0 which is incompatible with Kubernetes v1.24.17");
  }

  @Test
  void helmAcceptsTheOldestSupportedAndVendorPreReleaseVersions() {
    for (String version : List.of("v1.25.0", "v1.30.2-eks-1552ad0", "v1.34.4")) {
      assertThat(RenderedChart.render("new", "purge-system", Map.of(), version).one(Deployment.class))
          .as(version).isNotNull();
    }
  }

  @Test
  void podTemplateCarriesTheVersionLabelOutsideTheSelector() {
    Deployment d = RenderedChart.render(Map.of()).one(Deployment.class);

    assertThat(d.getSpec().getTemplate().getMetadata().getLabels()).containsEntry("app.kubernetes.io/version", "0.1.0");
    assertThat(d.getSpec().getSelector().getMatchLabels()).doesNotContainKey("app.kubernetes.io/version");
  }

  @Test
  void moreThanOneReplicaBringsAPodDisruptionBudgetOfOne() {
    assertThat(RenderedChart.render(Map.of()).all(PodDisruptionBudget.class)).isEmpty();

    RenderedChart chart = RenderedChart.render(Map.of("replicaCount", 2));
    PodDisruptionBudget pdb = chart.one(PodDisruptionBudget.class);
    assertThat(pdb.getSpec().getMaxUnavailable().getIntVal()).isEqualTo(1);
    assertThat(pdb.getSpec().getSelector().getMatchLabels())
        .isEqualTo(chart.one(Deployment.class).getSpec().getSelector().getMatchLabels());
  }

  @Test
  void anOptionalNetworkPolicyAdmitsOnlyTheHttpPort() {
    assertThat(RenderedChart.render(Map.of()).all(NetworkPolicy.class)).isEmpty();

    RenderedChart chart = RenderedChart.render(Map.of("networkPolicy", Map.of("enabled", true,
        "metricsFrom", List.of(Map.of("namespaceSelector", Map.of("matchLabels", Map.of("name", "monitoring")))))));
    NetworkPolicy policy = chart.one(NetworkPolicy.class);
    assertThat(policy.getSpec().getPolicyTypes()).containsExactly("Ingress");
    assertThat(policy.getSpec().getPodSelector().getMatchLabels())
        .isEqualTo(chart.one(Deployment.class).getSpec().getSelector().getMatchLabels());
    assertThat(policy.getSpec().getIngress()).singleElement().satisfies(rule -> {
      assertThat(rule.getPorts()).singleElement().satisfies(p -> assertThat(p.getPort().getStrVal()).isEqualTo("http"));
      assertThat(rule.getFrom()).singleElement()
          .satisfies(f -> assertThat(f.getNamespaceSelector().getMatchLabels()).containsEntry("name", "monitoring"));
    });
  }

  static Container operator(Deployment d) {
    return d.getSpec().getTemplate().getSpec().getContainers().stream()
        .filter(c -> c.getName().equals("operator")).findFirst().orElseThrow();
  }

  static Map<String, String> env(RenderedChart chart) {
    return env(operator(chart.one(Deployment.class)));
  }

  static Map<String, String> env(Container c) {
    return c.getEnv().stream().filter(e -> e.getValue() != null)
        .collect(Collectors.toMap(EnvVar::getName, EnvVar::getValue));
  }

  static List<String> verbs(List<PolicyRule> rules, String group, String resource) {
    return rules.stream()
        .filter(r -> r.getApiGroups().contains(group) && r.getResources().contains(resource))
        .flatMap(r -> r.getVerbs().stream()).toList();
  }

}
