package io.datapurge.plugin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.datapurge.plugin.PluginArgs.UsageError;
import java.io.Console;
import java.io.PrintStream;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * {@code kubectl purge}: the kubectl plugin (bin/kubectl-purge runs this class from the project's
 * jar). It loads no Kubernetes client: each API request is a kubectl call with the user's global
 * options, so it starts in a fraction of a second and handles the kubeconfig exactly like kubectl.
 */
public final class KubectlPurge {

  static final String FIELD_MANAGER = "kubectl-purge";
  static final Map<String, Set<String>> VALUED = Map.of("status", Set.of(), "approve", Set.of("confirm"),
      "logs", Set.of(), "history", Set.of(), "run", Set.of("from", "name"));
  static final Map<String, Set<String>> SWITCHES = Map.of("status", Set.of("watch"), "approve", Set.of(),
      "logs", Set.of("follow"), "history", Set.of(), "run", Set.of());

  private final PrintStream out;
  private final PrintStream err;

  KubectlPurge(PrintStream out, PrintStream err) {
    this.out = out;
    this.err = err;
  }

  public static void main(String[] args) {
    System.exit(new KubectlPurge(System.out, System.err).run(Arrays.asList(args)));
  }

  int run(List<String> args) {
    int at = PluginArgs.commandIndex(args, Set.of("confirm", "from", "name"));
    String command = at < 0 ? null : args.get(at);
    if (command == null || command.equals("help")) {
      boolean asked = args.contains("-h") || args.contains("--help") || "help".equals(command);
      (asked ? out : err).print(Help.ROOT);
      return asked ? 0 : 1;
    }
    if (!VALUED.containsKey(command)) {
      err.println("error: unknown command \"" + command + "\" for \"kubectl purge\"");
      err.println("See 'kubectl purge --help' for usage.");
      return 1;
    }
    List<String> rest = new ArrayList<>(args);
    rest.remove(at);
    PluginArgs a;
    try {
      a = PluginArgs.parse(rest, VALUED.get(command), SWITCHES.get(command));
    } catch (UsageError e) {
      return usage(command, e.getMessage());
    }
    if (a.flag("help")) {
      out.print(Help.of(command));
      return 0;
    }
    Kubectl kubectl = new Kubectl(a.global);
    try {
      return switch (command) {
        case "status" -> status(kubectl, a);
        case "approve" -> approve(kubectl, a);
        case "logs" -> logs(kubectl, a);
        case "history" -> history(kubectl, a);
        default -> runFrom(kubectl, a);
      };
    } catch (UsageError e) {
      return usage(command, e.getMessage());
    } catch (Kubectl.Failure e) {
      err.println(e.stderr.startsWith("error") || e.stderr.startsWith("Error") ? e.stderr : "error: " + e.stderr);
      return 1;
    } catch (RuntimeException e) {
      err.println("error: " + e.getMessage());
      return 1;
    }
  }

  private int usage(String command, String message) {
    err.println("error: " + message);
    err.println("See 'kubectl purge " + command + " --help' for usage.");
    return 1;
  }

  private static String name(PluginArgs a, String command, boolean required) throws UsageError {
    if (a.positional.size() > 1) {
      throw new UsageError("kubectl purge " + command + " takes at most one NAME, got " + a.positional);
    }
    if (required && a.positional.isEmpty()) {
      throw new UsageError("NAME is required: kubectl purge " + command + " NAME");
    }
    return a.positional.isEmpty() ? null : a.positional.get(0);
  }

  private int status(Kubectl kubectl, PluginArgs a) throws UsageError {
    String name = name(a, "status", false);
    if (name == null) {
      if (a.flag("watch")) {
        throw new UsageError("--watch follows one purge: kubectl purge status NAME -w");
      }
      JsonNode items = kubectl.json("get", Kubectl.PURGES, "-o", "json").path("items");
      if (items.size() == 0) {
        err.println("No UserDataPurges found" + (a.namespace == null ? "." : " in namespace " + a.namespace + "."));
        return 0;
      }
      out.print(PurgeView.list(items, Instant.now()));
      return 0;
    }
    if (!a.flag("watch")) {
      out.print(PurgeView.describe(kubectl.json("get", Kubectl.PURGES, name, "-o", "json")));
      return 0;
    }
    String[] shown = {null};
    JsonNode[] last = {null};
    // A watch ends on the API server's timeout or a CRD change: watch again (its first object is the
    // current state), a bounded number of times.
    boolean settled = false;
    for (int attempt = 0; attempt < 20 && !settled; attempt++) {
      settled = kubectl.watch(r -> {
        last[0] = r;
        String progress = PurgeView.progress(r);
        if (!progress.equals(shown[0])) {
          if (shown[0] != null) {
            out.println();
          }
          out.print(PurgeView.describe(r));
          out.flush();
          shown[0] = progress;
        }
        return PurgeView.settled(r);
      }, "get", Kubectl.PURGES, name, "-o", "json", "--watch");
    }
    if (!settled) {
      err.println("error: the watch of " + name + " ended before a final phase (phase "
          + (last[0] == null ? "unknown" : PurgeView.phase(last[0])) + "); run the command again to go on following it");
      return 1;
    }
    return 0;
  }

  private int approve(Kubectl kubectl, PluginArgs a) throws UsageError {
    String name = name(a, "approve", true);
    JsonNode r = kubectl.json("get", Kubectl.PURGES, name, "-o", "json");
    Optional<String> refused = ApprovalCheck.refusal(r);
    if (refused.isPresent()) {
      err.println("error: " + refused.get());
      return 1;
    }
    String db = ApprovalCheck.database(r);
    String planId = PurgeView.planId(r);
    out.print(PurgeView.describe(r));
    out.println();
    String typed = a.option("confirm");
    if (typed == null) {
      Console console = System.console();
      if (console == null) {
        err.println("error: no terminal to type the database name on; pass --confirm " + db
            + " to approve plan " + planId + " from a script.");
        return 1;
      }
      out.flush();
      typed = console.readLine("This deletes the rows above from database %s. Type the database name to approve plan"
          + " %s: ", db, planId);
    }
    Optional<String> mismatch = ApprovalCheck.mismatch(r, typed);
    if (mismatch.isPresent()) {
      err.println("error: " + mismatch.get());
      return 1;
    }
    String patch = "{\"metadata\":{\"annotations\":{\"" + PurgeView.APPROVE + "\":\"" + planId + "\"}}}";
    kubectl.run(null, "patch", Kubectl.PURGES, name, "--type=merge", "-p", patch, "--field-manager=" + FIELD_MANAGER);
    out.println("userdatapurge.datapurge.io/" + name + " approved (plan " + planId + ", database " + db + ").");
    out.println("Follow it: kubectl purge status " + name + (a.namespace == null ? "" : " -n " + a.namespace) + " -w");
    return 0;
  }

  private int logs(Kubectl kubectl, PluginArgs a) throws UsageError {
    String name = name(a, "logs", true);
    JsonNode r = kubectl.json("get", Kubectl.PURGES, name, "-o", "json");
    String job = PurgeView.text(r.path("status"), "jobName");
    if (job == null) {
      err.println("error: " + name + " has no Job yet (phase " + PurgeView.phase(r) + ")");
      return 1;
    }
    List<String> args = new ArrayList<>(List.of("logs", "job/" + job));
    if (a.flag("follow")) {
      args.add("--follow");
    }
    try {
      out.print(kubectl.run(null, args.toArray(String[]::new)));
      return 0;
    } catch (Kubectl.Failure e) {
      if (e.stderr.contains("NotFound") || e.stderr.contains("not found")) {
        err.println("error: the Job " + job + " of " + name + " is gone (removed after its TTL, with its pod and log);"
            + " the counts stay in: kubectl purge status " + name);
        return 1;
      }
      throw e;
    }
  }

  private int history(Kubectl kubectl, PluginArgs a) throws UsageError {
    String schedule = name(a, "history", false);
    List<String> args = new ArrayList<>(List.of("get", Kubectl.PURGES, "-o", "json"));
    if (schedule != null) {
      schedule(kubectl, schedule);
      args.add("--selector=datapurge.io/schedule=" + schedule);
    }
    JsonNode items = kubectl.json(args.toArray(String[]::new)).path("items");
    if (items.size() == 0) {
      err.println(schedule == null ? "No UserDataPurges found." : "No runs of schedule " + schedule + " found.");
      return 0;
    }
    out.print(PurgeView.history(items, Instant.now()));
    return 0;
  }

  private int runFrom(Kubectl kubectl, PluginArgs a) throws UsageError {
    name(a, "run", false);
    String from = a.option("from");
    if (from == null || !from.startsWith("schedule/") || from.length() <= "schedule/".length()) {
      throw new UsageError("--from schedule/NAME is required (got " + (from == null ? "nothing" : from) + ")");
    }
    String scheduleName = from.substring("schedule/".length());
    JsonNode schedule = schedule(kubectl, scheduleName);
    JsonNode spec = schedule.path("spec").path("template").path("spec");
    if (!spec.isObject()) {
      err.println("error: schedule " + scheduleName + " has no spec.template.spec to run");
      return 1;
    }
    String name = a.option("name") != null ? a.option("name") : scheduleName + "-manual-"
        + DateTimeFormatter.ofPattern("yyyyMMddHHmmss").withZone(ZoneOffset.UTC).format(Instant.now());
    out.print(kubectl.run(manual(schedule, name).toString(), "create", "-f", "-"));
    return 0;
  }

  /** The UserDataPurge a schedule would create, named {@code name}, marked as started by hand. */
  static ObjectNode manual(JsonNode schedule, String name) {
    JsonNode meta = schedule.path("metadata");
    ObjectNode purge = Kubectl.JSON.createObjectNode();
    purge.put("apiVersion", "datapurge.io/v1alpha1").put("kind", "UserDataPurge");
    ObjectNode m = purge.putObject("metadata");
    m.put("name", name).put("namespace", meta.path("namespace").asText());
    m.putObject("labels").put("datapurge.io/schedule", meta.path("name").asText());
    m.putObject("annotations").put("datapurge.io/instantiate", "manual");
    m.putArray("ownerReferences").addObject().put("apiVersion", schedule.path("apiVersion").asText())
        .put("kind", schedule.path("kind").asText()).put("name", meta.path("name").asText())
        .put("uid", meta.path("uid").asText()).put("controller", true).put("blockOwnerDeletion", true);
    purge.set("spec", schedule.path("spec").path("template").path("spec").deepCopy());
    return purge;
  }

  /** The schedule, or an error that says so when this cluster has no UserDataPurgeSchedule kind. */
  private static JsonNode schedule(Kubectl kubectl, String name) {
    try {
      return kubectl.json("get", Kubectl.SCHEDULES, name, "-o", "json");
    } catch (Kubectl.Failure e) {
      throw scheduleError(e);
    }
  }

  static RuntimeException scheduleError(Kubectl.Failure e) {
    if (e.stderr.contains("doesn't have a resource type")) {
      return new IllegalStateException("this cluster has no UserDataPurgeSchedule kind (the CRD " + Kubectl.SCHEDULES
          + " is not installed): install an operator version with schedules, or list the namespace's runs with"
          + " 'kubectl purge history' (no SCHEDULE)");
    }
    return e;
  }
}
