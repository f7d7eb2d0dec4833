package io.datapurge.operator;

import io.datapurge.api.Auth0Spec;
import io.datapurge.api.CaSecret;
import io.datapurge.api.CredentialsSecret;
import io.datapurge.api.DatabaseSpec;
import io.datapurge.api.ForeignKeyChecks;
import io.datapurge.api.SeedSource;
import io.datapurge.api.UserDataPurge;
import io.datapurge.api.UserDataPurgeSpec;
import io.datapurge.purge.RunLedger;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeProjection;
import io.fabric8.kubernetes.api.model.VolumeProjectionBuilder;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The Job that runs one plan or purge: the operator's own image with {@code purge} args, owned by
 * the resource, run once ({@code backoffLimit: 0}), under the restricted Pod Security profile and
 * with credentials only as {@code secretKeyRef} (the operator never reads the Secret).
 */
public final class PurgeJob {

  public static final String CONTAINER = "purge";
  public static final String MANAGED_BY = "app.kubernetes.io/managed-by";
  public static final String MANAGED_BY_VALUE = "user-data-purge-operator";
  public static final String SELECTOR = MANAGED_BY + "=" + MANAGED_BY_VALUE;
  /** Names the owning resource on Jobs and their pods, so pod events map back to it. */
  public static final String RESOURCE_ANNOTATION = "datapurge.io/resource";
  public static final String MODE_LABEL = "datapurge.io/mode";
  /** The image's numeric USER (Dockerfile), so Jobs run as the operator does. */
  static final long RUN_AS = 65532L;
  /** Where spec.database.caSecret is mounted in the purge container. */
  static final String CA_DIR = "/etc/datapurge/ca";
  /** Where spec.seed is mounted: file {@code <index>/<key>} per entry, so the order and every key survive. */
  static final String SEED_DIR = "/etc/datapurge/seed";

  private PurgeJob() {}

  public static Job desired(UserDataPurge resource, RunMode mode, OperatorSettings settings) {
    var meta = resource.getMetadata();
    String name = JobNames.of(resource, mode);
    Map<String, String> labels = Map.of(
        "app.kubernetes.io/name", "user-data-purge",
        "app.kubernetes.io/component", mode.label(),
        MANAGED_BY, MANAGED_BY_VALUE,
        MODE_LABEL, mode.label());
    Map<String, String> annotations = Map.of(
        RESOURCE_ANNOTATION, meta.getName(),
        "datapurge.io/generation", String.valueOf(meta.getGeneration()));
    Job job = new JobBuilder()
        .withNewMetadata()
          .withName(name)
          .withNamespace(meta.getNamespace())
          .withLabels(labels)
          .withAnnotations(annotations)
          .withOwnerReferences(new OwnerReferenceBuilder()
              .withApiVersion(resource.getApiVersion())
              .withKind(resource.getKind())
              .withName(meta.getName())
              .withUid(meta.getUid())
              .withController(true)
              .withBlockOwnerDeletion(true)
              .build())
        .endMetadata()
        .withNewSpec()
          .withBackoffLimit(0)
          .withActiveDeadlineSeconds(settings.jobDeadline().toSeconds())
          .withTtlSecondsAfterFinished((int) settings.jobTtl().toSeconds())
          .withNewTemplate()
            .withNewMetadata().withLabels(labels).withAnnotations(annotations).endMetadata()
            .withNewSpec()
              .withRestartPolicy("Never")
              .withAutomountServiceAccountToken(false)
              .withEnableServiceLinks(false)
              .withNewSecurityContext()
                .withRunAsNonRoot(true)
                .withRunAsUser(RUN_AS)
                .withRunAsGroup(RUN_AS)
                .withNewSeccompProfile().withType("RuntimeDefault").endSeccompProfile()
              .endSecurityContext()
              .addNewContainer()
                .withName(CONTAINER)
                .withImage(settings.purgeImage())
                .withArgs(args(resource, mode, settings))
                .withEnv(env(resource.getSpec()))
                .withTerminationMessagePath("/dev/termination-log")
                .withTerminationMessagePolicy("File")
                .withNewResources()
                  .addToRequests("cpu", new Quantity("50m"))
                  .addToRequests("memory", new Quantity("192Mi"))
                  .addToLimits("memory", new Quantity("384Mi"))
                .endResources()
                .withNewSecurityContext()
                  .withAllowPrivilegeEscalation(false)
                  .withReadOnlyRootFilesystem(true)
                  .withRunAsNonRoot(true)
                  .withRunAsUser(RUN_AS)
                  .withNewCapabilities().withDrop("ALL").endCapabilities()
                  .withNewSeccompProfile().withType("RuntimeDefault").endSeccompProfile()
                .endSecurityContext()
                // hsperfdata is off (image flags); /tmp is for anything using java.io.tmpdir.
                .addNewVolumeMount().withName("tmp").withMountPath("/tmp").endVolumeMount()
              .endContainer()
              .addNewVolume().withName("tmp").withNewEmptyDir().endEmptyDir().endVolume()
            .endSpec()
          .endTemplate()
        .endSpec()
        .build();
    mountCa(job, resource.getSpec().getDatabase().getCaSecret());
    mountSeed(job, seed(resource.getSpec()));
    return job;
  }

  /** The server's CA, when given: a read-only Secret volume with only that key, named by PGSSLROOTCERT. */
  private static void mountCa(Job job, CaSecret ca) {
    if (ca == null) {
      return;
    }
    var pod = job.getSpec().getTemplate().getSpec();
    pod.getVolumes().add(new VolumeBuilder().withName("ca").withNewSecret()
        .withSecretName(ca.getName()).addNewItem().withKey(ca.getKey()).withPath("ca.crt").endItem()
        .withDefaultMode(0444).endSecret().build());
    var container = pod.getContainers().get(0);
    container.getVolumeMounts().add(new VolumeMountBuilder().withName("ca").withMountPath(CA_DIR)
        .withReadOnly(true).build());
    container.getEnv().add(new EnvVarBuilder().withName("PGSSLROOTCERT").withValue(CA_DIR + "/ca.crt").build());
  }

  /**
   * spec.seed as one read-only projected volume. A missing ConfigMap or key keeps the pod in
   * ContainerCreating (the kubelet retries the mount and starts the pod once it exists); the kubelet's
   * FailedMount Event says which, and {@link RunStatus} turns it into ConfigMapNotFound.
   */
  private static void mountSeed(Job job, List<SeedSource> seed) {
    if (seed.isEmpty()) {
      return;
    }
    var pod = job.getSpec().getTemplate().getSpec();
    List<VolumeProjection> sources = new ArrayList<>();
    for (int i = 0; i < seed.size(); i++) {
      sources.add(new VolumeProjectionBuilder().withNewConfigMap().withName(seed.get(i).getConfigMap())
          .addNewItem().withKey(seed.get(i).getKey()).withPath(seedPath(i, seed.get(i))).endItem()
          .endConfigMap().build());
    }
    pod.getVolumes().add(new VolumeBuilder().withName("seed").withNewProjected().withSources(sources)
        .withDefaultMode(0444).endProjected().build());
    pod.getContainers().get(0).getVolumeMounts().add(new VolumeMountBuilder().withName("seed")
        .withMountPath(SEED_DIR).withReadOnly(true).build());
  }

  private static String seedPath(int index, SeedSource source) {
    return index + "/" + source.getKey();
  }

  private static List<SeedSource> seed(UserDataPurgeSpec spec) {
    return spec.getSeed() == null ? List.of() : spec.getSeed();
  }

  static List<String> args(UserDataPurge resource, RunMode mode, OperatorSettings settings) {
    UserDataPurgeSpec spec = resource.getSpec();
    DatabaseSpec db = spec.getDatabase();
    List<String> args = new ArrayList<>();
    args.add("purge");
    args.add("--url");
    args.add("jdbc:postgresql://" + db.getHost() + ":" + db.getPort() + "/" + db.getName()
        + "?sslmode=" + db.getSslMode().value());
    for (String table : spec.getTables()) {
      args.add("--table");
      args.add(table);
    }
    for (var w : spec.getWhere() == null ? java.util.Map.<String, String>of().entrySet() : spec.getWhere().entrySet()) {
      args.add("--where");
      args.add(w.getKey() + "=" + w.getValue());
    }
    for (String table : spec.getKeep() == null ? List.<String>of() : spec.getKeep()) {
      args.add("--keep");
      args.add(table);
    }
    if (Boolean.FALSE.equals(spec.getIncludeDependents())) {
      args.add("--no-dependents");
    }
    args.add("--strategy");
    args.add(spec.getStrategy().label());
    if (spec.getForeignKeyChecks() == ForeignKeyChecks.PerRow) {
      args.add("--fk-checks");
      args.add(ForeignKeyChecks.PerRow.label());
    }
    List<SeedSource> seed = seed(spec);
    for (int i = 0; i < seed.size(); i++) {
      args.add("--seed-file");
      args.add(SEED_DIR + "/" + seedPath(i, seed.get(i)));
    }
    if (Boolean.TRUE.equals(spec.getResetSequences()) && mode == RunMode.Purge) {
      args.add("--reset-sequences");
    }
    if (mode == RunMode.Plan) {
      args.add("--dry-run");
    } else {
      args.add("--confirm");
      // Approved through the annotation: the purge still checks current_database() against the name.
      args.add(spec.getConfirm() != null ? spec.getConfirm() : spec.getDatabase().getName());
    }
    Auth0Spec auth0 = spec.getAuth0();
    if (auth0 != null) {
      args.add("--auth0-domain");
      args.add(auth0.getDomain());
      if (auth0.getConnection() != null) {
        args.add("--auth0-connection");
        args.add(auth0.getConnection());
      }
      if (auth0.getUserIdColumn() != null) {
        args.add("--auth0-user-id-column");
        args.add(auth0.getUserIdColumn());
      }
      if (auth0.getEmailColumn() != null) {
        args.add("--auth0-email-column");
        args.add(auth0.getEmailColumn());
      }
      // Stop in time to write the result: a Job killed at its deadline reports nothing.
      args.add("--auth0-time-limit");
      // The deadline counts from the Job's start (scheduling, image pull), the limit from the JVM's:
      // leave a fixed margin so the purge reports what remains before the Job is killed.
      long deadline = settings.jobDeadline().toSeconds();
      args.add(Math.max(deadline / 2, deadline * 8 / 10 - 60) + "s");
      if (settings.auth0BaseUrl() != null) {
        args.add("--auth0-base-url");
        args.add(settings.auth0BaseUrl().toString());
      }
    }
    args.add("--protected-pattern");
    args.add(settings.protectedDatabases().pattern());
    args.add("--run-id");
    args.add(resource.getMetadata().getUid() + "/" + resource.getMetadata().getGeneration());
    if (mode == RunMode.Purge) {
      // At most once: a re-executed pod finds its run recorded and deletes nothing (docs/reliability.md).
      args.add("--run-ledger");
      args.add(RunLedger.DEFAULT_TABLE);
    }
    args.add("--result-file");
    args.add("/dev/termination-log");
    return args;
  }

  private static List<EnvVar> env(UserDataPurgeSpec spec) {
    List<EnvVar> env = new ArrayList<>(credentials(spec.getDatabase().getCredentialsSecret()));
    Auth0Spec auth0 = spec.getAuth0();
    if (auth0 != null) {
      var secret = auth0.getCredentialsSecret();
      env.add(secretEnv("AUTH0_CLIENT_ID", secret.getName(), secret.getClientIdKey()));
      env.add(secretEnv("AUTH0_CLIENT_SECRET", secret.getName(), secret.getClientSecretKey()));
    }
    return env;
  }

  private static List<EnvVar> credentials(CredentialsSecret secret) {
    return List.of(secretEnv("PGUSER", secret.getName(), secret.getUsernameKey()),
        secretEnv("PGPASSWORD", secret.getName(), secret.getPasswordKey()));
  }

  private static EnvVar secretEnv(String env, String secret, String key) {
    return new EnvVarBuilder().withName(env)
        .withNewValueFrom().withNewSecretKeyRef().withName(secret).withKey(key).endSecretKeyRef()
        .endValueFrom().build();
  }
}
