package io.datapurge.packaging;

import com.marcnuri.helm.Helm;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The Helm chart rendered by the real Helm (helm-java) with given values, as Fabric8 objects.
 * End-to-end tests apply {@link #crdFiles()}, then the release namespace (as {@code helm install
 * --create-namespace} would; deploy/namespace.yaml has the Pod Security labels), then {@link
 * #writeTo(Path)}, so the operator runs with exactly the RBAC the chart grants.
 */
public final class RenderedChart {

  public static final Path CHART = Path.of("charts", "user-data-purge-operator");
  public static final String RELEASE = "user-data-purge-operator";
  public static final String NAMESPACE = "user-data-purge-system";

  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

  private final String yaml;
  private final List<HasMetadata> objects;

  private RenderedChart(String yaml) {
    this.yaml = yaml;
    this.objects = Arrays.stream(yaml.split("(?m)^---\\s*$"))
        .filter(RenderedChart::hasContent)
        .map(doc -> (HasMetadata) SERIALIZATION.unmarshal(doc, HasMetadata.class))
        .toList();
  }

  /** Renders release {@value #RELEASE} into namespace {@value #NAMESPACE}. */
  public static RenderedChart render(Map<String, ?> values) {
    return render(RELEASE, NAMESPACE, values);
  }

  /**
   * Renders the chart as {@code helm template} does; values are nested maps as in values.yaml.
   *
   * @throws IllegalStateException with Helm's message when the schema or a template refuses the values
   */
  public static RenderedChart render(String release, String namespace, Map<String, ?> values) {
    return render(release, namespace, values, KUBE_VERSION);
  }

  /** The Kubernetes version the chart is rendered for: the local plane's (hack/controlplane). */
  public static final String KUBE_VERSION = "v1.34.4";

  /** Renders the chart for a cluster of the given Kubernetes version ({@code --kube-version}). */
  public static RenderedChart render(String release, String namespace, Map<String, ?> values, String kubeVersion) {
    // helm-java's template, unlike `helm template`, looks up against the cluster of env KUBECONFIG
    // when it is set (as in hack/test.sh). The chart's check of the release namespace's Pod
    // Security labels belongs to a real install (HelmNamespaceIT); here it is off unless asked for.
    Map<String, Object> effective = new LinkedHashMap<>(values);
    effective.putIfAbsent("podSecurity", Map.of("requireRestrictedNamespace", false));
    Path valuesFile = null;
    try {
      valuesFile = Files.createTempFile("values-", ".yaml");
      Files.writeString(valuesFile, SERIALIZATION.asYaml(effective));
      String out = new Helm(CHART.toAbsolutePath()).template()
          .withName(release)
          .withNamespace(namespace)
          .withValuesFile(valuesFile)
          .withKubeVersion(kubeVersion)
          .call();
      return new RenderedChart(out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      if (valuesFile != null) {
        valuesFile.toFile().delete();
      }
    }
  }

  public String yaml() {
    return yaml;
  }

  public List<HasMetadata> objects() {
    return objects;
  }

  public <T extends HasMetadata> List<T> all(Class<T> type) {
    return objects.stream().filter(type::isInstance).map(type::cast).toList();
  }

  public <T extends HasMetadata> Optional<T> find(Class<T> type, String name) {
    return all(type).stream().filter(o -> name.equals(o.getMetadata().getName())).findFirst();
  }

  public <T extends HasMetadata> T one(Class<T> type) {
    List<T> found = all(type);
    if (found.size() != 1) {
      throw new AssertionError("expected one " + type.getSimpleName() + ", rendered " + found.size());
    }
    return found.get(0);
  }

  /** Writes the rendered manifests (without CRDs) for {@code kubectl apply -f}. */
  public Path writeTo(Path file) {
    try {
      Files.createDirectories(file.toAbsolutePath().getParent());
      return Files.writeString(file, yaml);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Writes the rendered objects that {@code which} selects, e.g. only the RBAC, for {@code kubectl apply -f}. */
  public Path writeTo(Path file, Predicate<HasMetadata> which) {
    try {
      Files.createDirectories(file.toAbsolutePath().getParent());
      return Files.writeString(file, objects.stream().filter(which)
          .map(SERIALIZATION::asYaml).collect(Collectors.joining("\n"))); // each starts with ---
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The CRD files Helm installs from the chart's crds/ before the templates. */
  public static List<Path> crdFiles() {
    try (Stream<Path> files = Files.list(CHART.resolve("crds"))) {
      return files.filter(p -> p.toString().matches(".*\\.(ya?ml|json)$")).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static boolean hasContent(String doc) {
    return doc.lines().anyMatch(l -> !l.isBlank() && !l.stripLeading().startsWith("#"));
  }
}
