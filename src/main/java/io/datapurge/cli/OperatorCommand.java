package io.datapurge.cli;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.util.ContextInitializer;
import io.datapurge.api.UserDataPurge;
import io.datapurge.operator.ApiRequestMetrics;
import io.datapurge.operator.HttpEndpoints;
import io.datapurge.operator.IdleHeap;
import io.datapurge.operator.LeaderLease;
import io.datapurge.operator.OperatorSerialization;
import io.datapurge.operator.OperatorSettings;
import io.datapurge.operator.PurgeMetrics;
import io.datapurge.operator.PurgeReconciler;
import io.datapurge.operator.ReconcilerPool;
import io.datapurge.operator.ScheduleMetrics;
import io.datapurge.operator.ScheduleReconciler;
import io.datapurge.purge.PurgeRequest;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.fabric8.kubernetes.client.jdkhttp.JdkHttpClientFactory;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.monitoring.micrometer.MicrometerMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import java.util.stream.Collectors;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** Runs the UserDataPurge controller until SIGTERM. Every flag falls back to an env variable. */
@Command(
    name = "operator",
    mixinStandardHelpOptions = true,
    description = "Watch UserDataPurge resources and run their plan and purge Jobs; create one UserDataPurge per"
        + " tick of each UserDataPurgeSchedule.")
public final class OperatorCommand implements Callable<Integer> {

  public static final String LEASE_NAME = "user-data-purge-operator";

  @Spec CommandSpec spec;

  @Option(names = "--namespaces", defaultValue = "${env:WATCH_NAMESPACES:-}",
      description = "Comma-separated namespaces to watch; empty watches all (env WATCH_NAMESPACES).")
  String namespaces;

  @Option(names = "--purge-image", defaultValue = "${env:PURGE_IMAGE:-}",
      description = "Image of the purge Jobs; default: the operator's own image, read from its Pod"
          + " (POD_NAME/POD_NAMESPACE) (env PURGE_IMAGE).")
  String purgeImage;

  @Option(names = "--protected-pattern", defaultValue = "${env:PROTECTED_DATABASES:-" + PurgeRequest.DEFAULT_PROTECTED_PATTERN + "}",
      description = "Database names matching this regex are never purged (env PROTECTED_DATABASES;"
          + " default: ${DEFAULT-VALUE}).")
  String protectedPattern;

  @Option(names = "--leader-election", arity = "0..1", fallbackValue = "true",
      defaultValue = "${env:LEADER_ELECTION:-false}",
      description = "Hold a Lease so only one replica reconciles (env LEADER_ELECTION).")
  boolean leaderElection;

  @Option(names = "--lease-name", defaultValue = "${env:LEASE_NAME:-" + LEASE_NAME + "}",
      description = "Name of the leader-election Lease; one per installation, so two in one namespace "
          + "do not share a leader (env LEASE_NAME, default ${DEFAULT-VALUE}).")
  String leaseName;

  @Option(names = "--lease-namespace", defaultValue = "${env:POD_NAMESPACE:-}",
      description = "Namespace of the leader-election Lease (env POD_NAMESPACE).")
  String leaseNamespace;

  @Option(names = "--http-port", defaultValue = "${env:HTTP_PORT:-8080}",
      description = "Port of /healthz, /readyz and /metrics (env HTTP_PORT; 0 picks a free port).")
  int httpPort;

  @Option(names = "--log-format", defaultValue = "${env:LOG_FORMAT:-plain}",
      description = "plain or json (env LOG_FORMAT).")
  LogFormat logFormat;

  @Option(names = "--job-deadline", defaultValue = "${env:JOB_DEADLINE:-30m}",
      converter = DurationConverter.Positive.class,
      description = "activeDeadlineSeconds of each Job, e.g. 30m (env JOB_DEADLINE).")
  Duration jobDeadline;

  @Option(names = "--job-ttl", defaultValue = "${env:JOB_TTL:-24h}", converter = DurationConverter.Positive.class,
      description = "ttlSecondsAfterFinished of each Job, e.g. 24h (env JOB_TTL).")
  Duration jobTtl;

  @Option(names = "--heap-trim-after", defaultValue = "${env:HEAP_TRIM_AFTER:-30s}", converter = DurationConverter.class,
      description = "Return unused heap to the system once the operator has been idle this long after work,"
          + " e.g. 30s; 0 never (env HEAP_TRIM_AFTER).")
  Duration heapTrimAfter;

  // Tests point the purge Jobs' Auth0 client at a local fake; production Jobs use https://DOMAIN.
  @Option(names = "--auth0-base-url", hidden = true)
  java.net.URI auth0BaseUrl;

  enum LogFormat { plain, json }

  @Override
  public Integer call() throws Exception {
    configureLogging(logFormat);
    Running running = start();
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      running.close();
      stopped.countDown();
    }, "shutdown"));
    stopped.await();
    return 0;
  }

  /** Starts the controller and the HTTP endpoints; the caller closes the result to stop both. */
  public Running start() throws Exception {
    ApiRequestMetrics requests = new ApiRequestMetrics();
    return start(countedClient(requests).build(), requests);
  }

  /**
   * The operator's client: every request it makes passes through {@code requests}; a resource with
   * fields this operator does not know is read, and refused, rather than stopping its informer.
   */
  static KubernetesClientBuilder countedClient(ApiRequestMetrics requests) {
    return new KubernetesClientBuilder().withHttpClientFactory(new JdkHttpClientFactory())
        .withKubernetesSerialization(new OperatorSerialization())
        .withHttpClientBuilderConsumer(b -> b.addOrReplaceInterceptor("api-requests", requests));
  }

  /** As {@link #start()}, with a given client (tests pass one holding a ServiceAccount's token). */
  public Running start(KubernetesClient client) throws Exception {
    return start(client, null);
  }

  private Running start(KubernetesClient client, ApiRequestMetrics requests) throws Exception {
    Pattern protectedDatabases = compile(protectedPattern);
    String image = purgeImage.isBlank() ? ownImage(client) : purgeImage;
    OperatorSettings settings = new OperatorSettings(image, protectedDatabases, jobDeadline, jobTtl, auth0BaseUrl);

    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    new JvmMemoryMetrics().bindTo(registry);
    new JvmGcMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    if (requests != null) {
      requests.bindTo(registry);
    }

    AtomicBoolean stopping = new AtomicBoolean();
    LeaderLease lease = leaderLease(client);
    Operator operator = new Operator(o -> {
      o.withKubernetesClient(client)
          .withMetrics(MicrometerMetrics.withoutPerResourceMetrics(registry))
          .withExecutorService(ReconcilerPool.create(ReconcilerPool.THREADS, ReconcilerPool.IDLE))
          .withReconciliationTerminationTimeout(Duration.ofSeconds(20))
          .withCloseClientOnStop(false); // Running.close still needs it, to release the Lease
      if (lease != null) {
        // JOSDK would System.exit on any end of leadership, also when we stop on purpose.
        o.withLeaderElectionConfiguration(lease.configuration()
            .withExitOnStopLeading(false)
            .withLeaderCallbacks(new LeaderCallbacks(() -> { }, () -> {
              if (!stopping.get()) {
                LoggerFactory.getLogger(OperatorCommand.class)
                    .error("Lost the leader lease; exiting so that only the new leader reconciles");
                System.exit(1);
              }
            }, leader -> { }))
            .build());
      }
    });
    Set<String> watched = Arrays.stream(namespaces.split(","))
        .map(String::trim).filter(s -> !s.isEmpty()).collect(Collectors.toSet());
    operator.register(new PurgeReconciler(settings, new PurgeMetrics(registry)), c -> {
      if (watched.isEmpty()) {
        c.watchingAllNamespaces();
      } else {
        c.settingNamespaces(watched);
      }
    });
    operator.register(new ScheduleReconciler(new ScheduleMetrics(registry)), c -> {
      if (watched.isEmpty()) {
        c.watchingAllNamespaces();
      } else {
        c.settingNamespaces(watched);
      }
    });
    HttpEndpoints http = HttpEndpoints.start(httpPort, operator, registry);
    operator.start();
    IdleHeap idleHeap = IdleHeap.start(heapTrimAfter == null ? Duration.ZERO : heapTrimAfter);
    LoggerFactory.getLogger(OperatorCommand.class).info(
        "Operator started: namespaces={}, purge image={}, protected={}, leader election={}, http port={}",
        watched.isEmpty() ? "all" : watched, image, protectedDatabases.pattern(), leaderElection, http.port());
    return new Running(operator, http, client, stopping, idleHeap, lease);
  }

  /** The Lease of --lease-name in --lease-namespace (else the client's namespace); null without leader election. */
  LeaderLease leaderLease(KubernetesClient client) {
    if (!leaderElection) return null;
    return new LeaderLease(leaseName, leaseNamespace.isBlank() ? client.getNamespace() : leaseNamespace,
        LeaderLease.identity(System.getenv("HOSTNAME")));
  }

  /** A started operator: {@link #close()} stops reconciling, the informers and the HTTP port. */
  public record Running(Operator operator, HttpEndpoints http, KubernetesClient client, AtomicBoolean stopping,
      IdleHeap idleHeap, LeaderLease lease) implements AutoCloseable {
    @Override
    public void close() {
      stopping.set(true);
      if (idleHeap != null) idleHeap.close();
      http.close();
      operator.stop(); // returns once no reconciliation runs: only then may another replica lead
      if (lease != null) lease.release(client);
      client.close();
    }
  }

  private Pattern compile(String regex) {
    try {
      return Pattern.compile(regex);
    } catch (PatternSyntaxException e) {
      throw new ParameterException(spec.commandLine(),
          "--protected-pattern is not a valid regular expression: " + e.getDescription());
    }
  }

  /** The image this operator runs, so Jobs use the same jar; needs POD_NAME and POD_NAMESPACE. */
  private String ownImage(KubernetesClient client) {
    String pod = System.getenv("POD_NAME");
    String namespace = System.getenv("POD_NAMESPACE");
    if (pod == null || namespace == null) {
      throw new ParameterException(spec.commandLine(), "--purge-image is not set and POD_NAME/POD_NAMESPACE"
          + " are missing, so the operator's own image is unknown: pass --purge-image IMAGE (env PURGE_IMAGE)");
    }
    Pod self = client.pods().inNamespace(namespace).withName(pod).get();
    if (self == null) {
      throw new ParameterException(spec.commandLine(), "Pod " + namespace + "/" + pod
          + " (POD_NAMESPACE/POD_NAME) not found; pass --purge-image IMAGE");
    }
    List<Container> containers = self.getSpec().getContainers();
    return containers.stream().filter(c -> "operator".equals(c.getName())).findFirst()
        .orElse(containers.get(0)).getImage();
  }

  /** Re-reads logback.xml with LOG_FORMAT set, so the flag wins over the environment. */
  static void configureLogging(LogFormat format) {
    System.setProperty("LOG_FORMAT", format.name());
    if (LoggerFactory.getILoggerFactory() instanceof LoggerContext context) {
      context.reset();
      try {
        new ContextInitializer(context).autoConfig();
      } catch (Exception e) {
        throw new IllegalStateException("logback configuration failed", e);
      }
    }
  }
}
