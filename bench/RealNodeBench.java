import io.datapurge.api.UserDataPurge;
import io.datapurge.operator.OperatorSerialization;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * kubectl apply -> status Succeeded of a confirmed purge of a 1000-user database on the real node,
 * split into its stages, for two purge images side by side (runs interleaved). One clock: every
 * time is this machine's epoch milliseconds, from
 *   - this process: just before `kubectl apply`; the first watch event of the resource, of its Job,
 *     of its pod bound to the node, of the pod ended, of the resource's final status;
 *   - the node's containerd (`ctr events`, nanoseconds): /tasks/start and /tasks/exit of the purge
 *     container (matched by the container id in the pod's status);
 *   - PostgreSQL's log (log_line_prefix %m, milliseconds; log_statement=all set on each run's
 *     database only): the run's first and last statement.
 *
 * usage: java -cp JAR bench/RealNodeBench.java RUNS PG_LOG CTR_EVENTS DB_TEMPLATE DBHOST DBPORT VARIANT=NAMESPACE...
 */
public class RealNodeBench {
  static final Map<String, Map<String, Long>> marks = new ConcurrentHashMap<>();
  static final Map<String, String> containerIds = new ConcurrentHashMap<>();
  static final DateTimeFormatter PG_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS");

  static void mark(String key, String what) {
    marks.computeIfAbsent(key, k -> new ConcurrentHashMap<>()).putIfAbsent(what, System.currentTimeMillis());
  }

  static <T extends HasMetadata> ResourceEventHandler<T> on(Consumer<T> f) {
    return new ResourceEventHandler<>() {
      public void onAdd(T o) { f.accept(o); }
      public void onUpdate(T a, T b) { f.accept(b); }
      public void onDelete(T o, boolean unknown) { }
    };
  }

  static String owner(HasMetadata o) {
    Map<String, String> a = o.getMetadata().getAnnotations();
    String name = a == null ? null : a.get("datapurge.io/resource");
    return name == null ? null : o.getMetadata().getNamespace() + "/" + name;
  }

  public static void main(String[] args) throws Exception {
    int runs = Integer.parseInt(args[0]);
    Path pgLog = Path.of(args[1]);
    Path ctrEvents = Path.of(args[2]);
    String template = args[3], dbHost = args[4], dbPort = args[5];
    Map<String, String> variants = new LinkedHashMap<>();
    for (String v : Arrays.asList(args).subList(6, args.length)) variants.put(v.split("=")[0], v.split("=")[1]);

    // The operator's serialization: a resource with fields of a newer CRD is read (and shows Blocked), not fatal.
    var serialization = new OperatorSerialization();
    try (KubernetesClient client = new KubernetesClientBuilder().withKubernetesSerialization(serialization).build()) {
      for (String ns : variants.values()) {
        client.resources(UserDataPurge.class).inNamespace(ns).inform(on(r -> {
          String key = ns + "/" + r.getMetadata().getName();
          mark(key, "cr");
          if (r.getStatus() != null && r.getStatus().getPhase() != null && r.getStatus().getPhase().isFinal()) {
            mark(key, "done");
            marks.get(key).putIfAbsent("phase:" + r.getStatus().getPhase(), 0L);
          }
        }));
        client.batch().v1().jobs().inNamespace(ns).inform(on((Job j) -> {
          String key = owner(j);
          if (key != null) mark(key, "job");
        }));
        client.pods().inNamespace(ns).inform(on((Pod p) -> {
          String key = owner(p);
          if (key == null) return;
          mark(key, "podSeen");
          if (p.getSpec().getNodeName() != null) mark(key, "scheduled");
          if (p.getStatus() != null && p.getStatus().getContainerStatuses() != null) {
            p.getStatus().getContainerStatuses().stream().filter(c -> c.getContainerID() != null).findFirst()
                .ifPresent(c -> containerIds.put(key, c.getContainerID().replaceFirst("^containerd://", "")));
          }
          if (p.getStatus() != null && p.getStatus().getContainerStatuses() != null && p.getStatus().getContainerStatuses()
              .stream().anyMatch(c -> c.getState() != null && c.getState().getTerminated() != null)) {
            mark(key, "containerTerminated"); // reported before the pod's phase, which waits for the sandbox
          }
          String phase = p.getStatus() == null ? null : p.getStatus().getPhase();
          if ("Succeeded".equals(phase) || "Failed".equals(phase)) mark(key, "podEnded");
        }));
      }
      Thread.sleep(1000);

      List<String[]> order = new ArrayList<>(); // {variant, key, db}
      for (int i = 0; i < runs; i++) {
        for (var v : variants.entrySet()) {
          String ns = v.getValue();
          String name = "node-" + v.getKey() + "-" + i;
          String db = (template + "_" + v.getKey() + "_" + i).toLowerCase(Locale.ROOT).replace('-', '_');
          psql("postgres", "drop database if exists " + db + " with (force)", "create database " + db + " template " + template);
          psql("postgres", "alter database " + db + " set log_statement = 'all'");
          String key = ns + "/" + name;
          marks.computeIfAbsent(key, k -> new ConcurrentHashMap<>()).put("apply", System.currentTimeMillis());
          Process p = new ProcessBuilder("kubectl", "apply", "-f", "-").redirectErrorStream(true).start();
          p.getOutputStream().write(yaml(ns, name, dbHost, dbPort, db).getBytes(StandardCharsets.UTF_8));
          p.getOutputStream().close();
          String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
          if (p.waitFor() != 0) throw new IllegalStateException("kubectl apply failed: " + out);
          long deadline = System.currentTimeMillis() + 180_000;
          while (!marks.get(key).containsKey("done") && System.currentTimeMillis() < deadline) Thread.sleep(10);
          order.add(new String[] {v.getKey(), key, db});
          // Let the log lines and containerd events of this run land before the next, and start the next
          // at a random point of the kubelet's 1 s PLEG relist: with a fixed cycle the container's exit
          // falls at the same phase of it run after run, and the exit -> state-seen stage is biased.
          Thread.sleep(1500 + java.util.concurrent.ThreadLocalRandom.current().nextInt(1000));
          psql("postgres", "drop database if exists " + db + " with (force)");
        }
      }
      Thread.sleep(2000);
      report(order, pgLog, ctrEvents, variants);
    }
  }

  static void report(List<String[]> order, Path pgLog, Path ctrEvents, Map<String, String> variants) throws Exception {
    List<String> pg = Files.readAllLines(pgLog, StandardCharsets.UTF_8);
    List<String> ctr = Files.readAllLines(ctrEvents, StandardCharsets.UTF_8);
    Pattern pgLine = Pattern.compile("^(\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d{3}) UTC \\[\\d+\\] LOG:  (statement|execute)");
    Pattern ctrLine = Pattern.compile("^(\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d+) \\+0000 UTC k8s\\.io /tasks/(start|exit) .*\"container_id\":\"([0-9a-f]+)\"");
    List<long[]> statements = new ArrayList<>();
    for (String l : pg) {
      Matcher m = pgLine.matcher(l);
      if (m.find()) statements.add(new long[] {LocalDateTime.parse(m.group(1), PG_TIME).toInstant(ZoneOffset.UTC).toEpochMilli()});
    }
    Map<String, Long> taskStart = new ConcurrentHashMap<>(), taskExit = new ConcurrentHashMap<>();
    for (String l : ctr) {
      Matcher m = ctrLine.matcher(l);
      if (!m.find()) continue;
      String t = m.group(1);
      String[] secFrac = t.split("\\.");
      long ms = LocalDateTime.parse(secFrac[0], DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss")).toInstant(ZoneOffset.UTC)
          .toEpochMilli() + Long.parseLong((secFrac[1] + "000").substring(0, 3));
      (m.group(2).equals("start") ? taskStart : taskExit).putIfAbsent(m.group(3), ms);
    }
    String[] stages = {"kubectl apply -> resource seen", "operator: resource -> Job", "Job -> pod bound to the node",
        "pod bound -> container started", "container start -> first SQL", "purge: first SQL -> last SQL",
        "last SQL -> container exit", "container exit -> pod ended seen", "  (container exit -> its state seen)",
        "pod ended -> status Succeeded",
        "TOTAL apply -> Succeeded", "everything but the purge"};
    Map<String, List<long[]>> byVariant = new LinkedHashMap<>();
    System.out.println("raw (ms since apply): variant key job sched start firstSql lastSql exit podEnded done");
    for (String[] o : order) {
      Map<String, Long> m = marks.get(o[1]);
      String cid = containerIds.get(o[1]);
      long apply = m.get("apply");
      Long start = cid == null ? null : taskStart.get(cid), exit = cid == null ? null : taskExit.get(cid);
      Long done = m.get("done");
      long[] sql = statements.stream().mapToLong(s -> s[0]).filter(t -> t >= apply && (done == null || t <= done))
          .collect(() -> new long[] {Long.MAX_VALUE, Long.MIN_VALUE}, (a, t) -> { a[0] = Math.min(a[0], t); a[1] = Math.max(a[1], t); },
              (a, b) -> { a[0] = Math.min(a[0], b[0]); a[1] = Math.max(a[1], b[1]); });
      boolean ok = done != null && m.containsKey("phase:Succeeded") && start != null && exit != null && sql[0] != Long.MAX_VALUE;
      System.out.printf(Locale.ROOT, "  %s %s %s%n", o[0], o[1], ok ? List.of(m.get("cr") - apply, m.get("job") - apply,
          m.get("scheduled") - apply, start - apply, sql[0] - apply, sql[1] - apply, exit - apply, m.get("podEnded") - apply,
          done - apply) : "INCOMPLETE " + m + " cid=" + cid + " start=" + start + " exit=" + exit);
      if (!ok) continue;
      long[] d = {m.get("cr") - apply, m.get("job") - m.get("cr"), m.get("scheduled") - m.get("job"),
          start - m.get("scheduled"), sql[0] - start, sql[1] - sql[0], exit - sql[1], m.get("podEnded") - exit,
          m.getOrDefault("containerTerminated", m.get("podEnded")) - exit,
          done - m.get("podEnded"), done - apply, done - apply - (sql[1] - sql[0])};
      byVariant.computeIfAbsent(o[0], k -> new ArrayList<>()).add(d);
    }
    System.out.println();
    StringBuilder head = new StringBuilder(String.format(Locale.ROOT, "%-36s", "stage (ms), p50 / p95"));
    for (String v : byVariant.keySet()) head.append(String.format(Locale.ROOT, " %22s", v + " (n=" + byVariant.get(v).size() + ")"));
    System.out.println(head);
    for (int s = 0; s < stages.length; s++) {
      StringBuilder row = new StringBuilder(String.format(Locale.ROOT, "%-36s", stages[s]));
      for (List<long[]> runs : byVariant.values()) {
        final int idx = s;
        long[] xs = runs.stream().mapToLong(r -> r[idx]).sorted().toArray();
        row.append(String.format(Locale.ROOT, " %10d / %9d", pct(xs, 50), pct(xs, 95)));
      }
      System.out.println(row);
    }
    System.out.println("target: everything but the purge <= 2000 ms p50");
  }

  static long pct(long[] sorted, int p) {
    if (sorted.length == 0) return -1;
    int i = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
  }

  static void psql(String db, String... commands) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("psql", "-qX", "-v", "ON_ERROR_STOP=1", "-d", db));
    for (String c : commands) { cmd.add("-c"); cmd.add(c); }
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (p.waitFor() != 0) throw new IllegalStateException(String.join(" ", commands) + ": " + out);
  }

  static String yaml(String ns, String name, String host, String port, String db) {
    return """
        apiVersion: datapurge.io/v1alpha1
        kind: UserDataPurge
        metadata: {name: %s, namespace: %s}
        spec:
          database:
            host: %s
            port: %s
            name: %s
            sslMode: require
            credentialsSecret: {name: pg-purge, usernameKey: username, passwordKey: password}
          tables: [auth_user, custom_auth_tenant, custom_auth_onboardingprogress]
          strategy: Delete
          confirm: %s
        """.formatted(name, ns, host, port, db, db);
  }
}
