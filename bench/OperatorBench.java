import io.datapurge.api.UserDataPurge;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The operator's own latencies on a real control plane, measured from watch events received by
 * this process (local monotonic clock), so the 1 s resolution of creationTimestamp never enters:
 *
 * <ul>
 *   <li>apply → Job: the UserDataPurge's first watch event to its Job's first watch event;
 *   <li>pod end → status: the pod's first event in phase Succeeded/Failed to the resource's first
 *       event with a final status.phase (includes the Job controller, which the operator follows).
 * </ul>
 *
 * Both ends come through the same kind of watch on the same API server, so the delivery delay
 * cancels out to first order. The pod's own run time (the purge container started by the kubelet)
 * lies between the two and is reported apart. API requests come from the operator's own client
 * counter (datapurge_kube_api_requests_total on its /metrics); heap from its jvm_memory metrics.
 *
 * <p>Run by bench/operator-bench.sh: {@code java -cp user-data-purge.jar bench/OperatorBench.java
 * latency|scale N NAMESPACES METRICS_URL DB_HOST DB_PORT DB_NAME}.
 */
public class OperatorBench {
  static final String LABEL = "app.kubernetes.io/managed-by=user-data-purge-operator";
  static final Map<String, Long> crSeen = new ConcurrentHashMap<>();
  static final Map<String, Long> jobSeen = new ConcurrentHashMap<>();
  static final Map<String, Long> podEnd = new ConcurrentHashMap<>();
  static final Map<String, Long> crEnd = new ConcurrentHashMap<>();
  static final Map<String, String> phase = new ConcurrentHashMap<>();
  static final AtomicLong maxHeap = new AtomicLong();

  public static void main(String[] args) throws Exception {
    String mode = args[0];
    int n = Integer.parseInt(args[1]);
    int namespaces = Integer.parseInt(args[2]);
    String metricsUrl = args[3];
    String dbHost = args[4], dbPort = args[5], dbName = args[6];
    String prefix = mode.equals("latency") ? "lat" : "scale";
    // Namespaces NS_PREFIX00, NS_PREFIX01, ... (default bench-): another prefix keeps runs on a shared cluster apart.
    String nsPrefix = System.getenv().getOrDefault("BENCH_NS_PREFIX", "bench-");

    Config config = Config.autoConfigure(null);
    config.setUserAgent("operator-bench");
    // The operator's serialization: a resource with fields of a newer CRD is read (and shows Blocked), not fatal.
    var serialization = new io.datapurge.operator.OperatorSerialization();
    try (KubernetesClient client = new KubernetesClientBuilder().withConfig(config)
        .withKubernetesSerialization(serialization).build()) {
      // Only this run's resources (labelled below): other resources of a shared cluster may not even parse.
      var crs = client.resources(UserDataPurge.class).inAnyNamespace().withLabelSelector("datapurge.io/bench=" + label(nsPrefix))
          .inform(handler(r -> {
        String key = key(r);
        crSeen.putIfAbsent(key, System.nanoTime());
        if (r.getStatus() != null && r.getStatus().getPhase() != null) {
          phase.put(key, r.getStatus().getPhase().name());
          if (r.getStatus().getPhase().isFinal()) crEnd.putIfAbsent(key, System.nanoTime());
        }
      }));
      var jobs = client.batch().v1().jobs().inAnyNamespace().withLabelSelector(LABEL).inform(handler(j -> {
        String owner = owner(j);
        if (owner != null) jobSeen.putIfAbsent(owner, System.nanoTime());
      }));
      var pods = client.pods().inAnyNamespace().withLabelSelector(LABEL).inform(handler(p -> {
        String owner = owner(p);
        String ph = p.getStatus() == null ? null : p.getStatus().getPhase();
        if (owner != null && ("Succeeded".equals(ph) || "Failed".equals(ph))) podEnd.putIfAbsent(owner, System.nanoTime());
      }));
      // Ignore what exists from earlier runs: only resources created below are measured.
      Thread.sleep(1000);
      crSeen.clear(); jobSeen.clear(); podEnd.clear(); crEnd.clear();

      Map<String, Double> before = scrape(metricsUrl);
      Thread heap = new Thread(() -> {
        while (true) {
          try {
            Map<String, Double> m = scrape(metricsUrl);
            long used = (long) m.entrySet().stream().filter(e -> e.getKey().startsWith("jvm_memory_used_bytes{")
                && e.getKey().contains("area=\"heap\"")).mapToDouble(Map.Entry::getValue).sum();
            maxHeap.accumulateAndGet(used, Math::max);
            Thread.sleep(1000);
          } catch (InterruptedException e) {
            return;
          } catch (Exception e) {
            // the operator is busy; try again
          }
        }
      }, "heap-sampler");
      heap.setDaemon(true);
      heap.start();

      long started = System.nanoTime();
      List<String> keys = new ArrayList<>();
      List<Long> kubectlMs = new ArrayList<>();
      if (mode.equals("latency")) {
        // One at a time through kubectl, as a user applies a purge.
        String ns = nsPrefix + "00";
        for (int i = 0; i < n; i++) {
          String name = prefix + "-" + System.currentTimeMillis() % 100000 + "-" + i;
          String key = ns + "/" + name;
          keys.add(key);
          long t = System.nanoTime();
          Process p = new ProcessBuilder("kubectl", "apply", "-f", "-").redirectErrorStream(true).start();
          p.getOutputStream().write(yaml(ns, name, dbHost, dbPort, dbName, false).getBytes(StandardCharsets.UTF_8));
          p.getOutputStream().close();
          String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
          if (p.waitFor() != 0) throw new IllegalStateException("kubectl apply failed: " + out);
          kubectlMs.add((System.nanoTime() - t) / 1_000_000);
          await(key, 120);
        }
      } else {
        // Spread over the namespaces, at most 40 unfinished at a time: the node starts a container (a JVM) per
        // pod, and 500 at once would not fit in memory. Every resource stays; the operator's caches
        // hold all of them (and their Jobs and pods) at the end.
        int inFlight = 40;
        for (int i = 0; i < n; i++) {
          String ns = nsPrefix + String.format("%02d", i % namespaces);
          String name = prefix + "-" + i;
          String key = ns + "/" + name;
          while (keys.stream().filter(k -> !crEnd.containsKey(k)).count() >= inFlight) Thread.sleep(20);
          keys.add(key);
          client.resources(UserDataPurge.class).inNamespace(ns)
              .load(new ByteArrayInputStream(yaml(ns, name, dbHost, dbPort, dbName, true).getBytes(StandardCharsets.UTF_8)))
              .create();
        }
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(300); // for all of them, not each
        for (String key : keys) await(key, (int) Math.max(1, TimeUnit.NANOSECONDS.toSeconds(until - System.nanoTime())));
      }
      double seconds = (System.nanoTime() - started) / 1e9;
      Thread.sleep(2000); // let status patches and events settle before the request count
      heap.interrupt();
      Map<String, Double> after = scrape(metricsUrl);

      List<Double> applyToJob = new ArrayList<>(), podToStatus = new ArrayList<>(), podRun = new ArrayList<>();
      Map<String, Integer> phases = new TreeMap<>();
      for (String key : keys) {
        phases.merge(phase.getOrDefault(key, "none"), 1, Integer::sum);
        if (crSeen.containsKey(key) && jobSeen.containsKey(key)) applyToJob.add(ms(crSeen.get(key), jobSeen.get(key)));
        if (podEnd.containsKey(key) && crEnd.containsKey(key)) podToStatus.add(ms(podEnd.get(key), crEnd.get(key)));
        if (jobSeen.containsKey(key) && podEnd.containsKey(key)) podRun.add(ms(jobSeen.get(key), podEnd.get(key)));
      }
      System.out.printf("%s: %d resources in %d namespace(s) in %.1f s; final phases %s%n", mode, keys.size(),
          mode.equals("latency") ? 1 : namespaces, seconds, phases);
      System.out.printf("%-46s %6s %8s %8s %8s %8s%n", "interval (ms, from watch events)", "n", "p50", "p95", "max", "target");
      row("resource created -> Job created (operator)", applyToJob, "p50<=100 p95<=200");
      row("pod ended -> status final (operator + Job ctl)", podToStatus, "p50<=100 p95<=200");
      row("Job created -> pod ended (kubelet + JVM)", podRun, "-");
      if (!kubectlMs.isEmpty()) {
        row("kubectl apply wall time (outside the above)", kubectlMs.stream().map(Long::doubleValue).toList(), "-");
      }
      System.out.printf("operator heap used, max of 1 s samples: %.0f MB%n", maxHeap.get() / 1048576.0);
      requests(before, after, keys.size());
      crs.close(); jobs.close(); pods.close();
    }
  }

  static void await(String key, int seconds) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (!crEnd.containsKey(key)) {
      if (System.nanoTime() > deadline) {
        System.out.println("timeout waiting for " + key + " (phase " + phase.get(key) + ")");
        return;
      }
      Thread.sleep(5);
    }
  }

  static String yaml(String ns, String name, String host, String port, String db, boolean dryRun) {
    return """
        apiVersion: datapurge.io/v1alpha1
        kind: UserDataPurge
        metadata: {name: %s, namespace: %s, labels: {datapurge.io/bench: %s}}
        spec:
          database:
            host: %s
            port: %s
            name: %s
            sslMode: disable
            credentialsSecret: {name: pg-purge, usernameKey: username, passwordKey: password}
          tables: [auth_user, custom_auth_tenant, custom_auth_onboardingprogress]
          strategy: Delete
          confirm: %s
          dryRun: %s
        """.formatted(name, ns, label(ns.substring(0, ns.length() - 2)), host, port, db, db, dryRun);
  }

  /** The label value naming a run's resources: its namespace prefix without the trailing dash. */
  static String label(String nsPrefix) {
    return nsPrefix.replaceAll("-+$", "");
  }

  static String key(HasMetadata o) {
    return o.getMetadata().getNamespace() + "/" + o.getMetadata().getName();
  }

  static String owner(HasMetadata o) {
    Map<String, String> a = o.getMetadata().getAnnotations();
    String name = a == null ? null : a.get("datapurge.io/resource");
    return name == null ? null : o.getMetadata().getNamespace() + "/" + name;
  }

  static <T> ResourceEventHandler<T> handler(java.util.function.Consumer<T> on) {
    return new ResourceEventHandler<>() {
      public void onAdd(T obj) { on.accept(obj); }
      public void onUpdate(T oldObj, T newObj) { on.accept(newObj); }
      public void onDelete(T obj, boolean unknown) { }
    };
  }

  static double ms(long from, long to) {
    return (to - from) / 1e6;
  }

  static void row(String label, List<Double> values, String target) {
    List<Double> v = new ArrayList<>(values);
    Collections.sort(v);
    if (v.isEmpty()) {
      System.out.printf("%-46s %6d%n", label, 0);
      return;
    }
    System.out.printf("%-46s %6d %8.0f %8.0f %8.0f %8s%n", label, v.size(), pct(v, 0.50), pct(v, 0.95),
        v.get(v.size() - 1), target);
  }

  static double pct(List<Double> sorted, double p) {
    int i = (int) Math.ceil(p * sorted.size()) - 1;
    return sorted.get(Math.max(0, Math.min(i, sorted.size() - 1)));
  }

  static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*(\\{[^}]*\\})?) ([0-9.eE+-]+|NaN)$");

  static Map<String, Double> scrape(String url) throws Exception {
    HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url)).build(),
        HttpResponse.BodyHandlers.ofString());
    Map<String, Double> m = new TreeMap<>();
    for (String line : r.body().split("\n")) {
      Matcher x = SAMPLE.matcher(line.trim());
      if (x.matches() && !x.group(3).equals("NaN")) m.put(x.group(1), Double.parseDouble(x.group(3)));
    }
    return m;
  }

  static void requests(Map<String, Double> before, Map<String, Double> after, int resources) {
    Map<String, Double> delta = new TreeMap<>();
    after.forEach((k, v) -> {
      if (k.startsWith("datapurge_kube_api_requests_total{")) {
        double d = v - before.getOrDefault(k, 0.0);
        if (d > 0) delta.put(k.substring(k.indexOf('{')), d);
      }
    });
    double total = delta.values().stream().mapToDouble(Double::doubleValue).sum();
    // 101 is a watch's protocol switch; 409 on create is the designed "adopt, never duplicate" path.
    double errors = delta.entrySet().stream().filter(e -> !e.getKey().matches(".*code=\"(1|2)\\d\\d\".*")
        && !e.getKey().matches(".*code=\"409\".*verb=\"create\".*")).mapToDouble(Map.Entry::getValue).sum();
    System.out.printf("operator API requests: %.0f in total, %.2f per resource; errors (not 1xx/2xx, not a 409"
        + " on create): %.0f%n", total, total / resources, errors);
    delta.forEach((k, v) -> System.out.printf("  %-70s %6.0f  %.2f/resource%n", k, v, v / resources));
  }
}
