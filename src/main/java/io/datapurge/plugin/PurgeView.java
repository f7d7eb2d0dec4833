package io.datapurge.plugin;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.stream.StreamSupport;

/** What the plugin prints: pure functions of the objects kubectl returned, so tests need no cluster. */
final class PurgeView {

  static final String APPROVE = "datapurge.io/approve";
  static final Set<String> FINAL = Set.of("AwaitingConfirmation", "Succeeded", "Failed", "Blocked");

  private PurgeView() {}

  static String text(JsonNode node, String field) {
    JsonNode n = node.path(field);
    return n.isMissingNode() || n.isNull() ? null : n.asText();
  }

  static String phase(JsonNode r) {
    String phase = text(r.path("status"), "phase");
    return phase == null ? "Pending" : phase;
  }

  static String approval(JsonNode r) {
    return text(r.path("metadata").path("annotations"), APPROVE);
  }

  static String planId(JsonNode r) {
    return text(r.path("status").path("plan"), "id");
  }

  static boolean currentGeneration(JsonNode r) {
    return r.path("status").path("observedGeneration").asLong(-1) == r.path("metadata").path("generation").asLong();
  }

  /**
   * The run stopped moving: a final phase for the current generation, except a plan whose approval the
   * operator has not acted on yet (the purge is about to start).
   */
  static boolean settled(JsonNode r) {
    if (!currentGeneration(r) || !FINAL.contains(phase(r))) {
      return false;
    }
    boolean approvedPending = "AwaitingConfirmation".equals(phase(r)) && planId(r) != null
        && planId(r).equals(approval(r));
    return !approvedPending;
  }

  /** A change worth printing again while watching. */
  static String progress(JsonNode r) {
    JsonNode s = r.path("status");
    return r.path("metadata").path("generation").asText() + "/" + s.path("observedGeneration").asText() + "/"
        + phase(r) + "/" + s.path("reason").asText() + "/" + s.path("totals").toString() + "/"
        + s.path("approval").toString();
  }

  /** {@code kubectl purge status NAME}: the run, its plan or result per table, and what to do next. */
  static String describe(JsonNode r) {
    JsonNode meta = r.path("metadata");
    JsonNode spec = r.path("spec");
    JsonNode s = r.path("status");
    StringBuilder out = new StringBuilder();
    field(out, "Name", meta.path("name").asText());
    field(out, "Namespace", meta.path("namespace").asText());
    field(out, "Database", orElse(text(s, "database"), spec.path("database").path("name").asText()));
    long observed = s.path("observedGeneration").asLong(0);
    field(out, "Phase", phase(r) + (currentGeneration(r) ? ""
        : observed == 0 ? " (not seen by the operator yet)"
        : " (of generation " + observed + "; the spec is at generation " + meta.path("generation").asText() + ")"));
    if (text(s, "reason") != null) {
      field(out, "Reason", text(s, "reason"));
    }
    if (text(s, "message") != null) {
      field(out, "Message", text(s, "message"));
    }
    String plan = planId(r);
    if (plan != null) {
      field(out, "Plan", plan + " (generation " + s.path("plan").path("generation").asText() + ")");
    }
    JsonNode approval = s.path("approval");
    if (!approval.isMissingNode()) {
      field(out, "Approved", "plan " + text(approval, "planId") + " at " + text(approval, "approvedAt"));
    } else if (approval(r) != null) {
      field(out, "Approval", approval(r).equals(plan) ? "plan " + plan + " approved; the purge is about to start"
          : "the annotation names plan " + approval(r) + ", not the current plan");
    } else if (text(spec, "confirm") != null) {
      field(out, "Confirmed", "spec.confirm: " + text(spec, "confirm"));
    }
    if (text(s, "jobName") != null) {
      field(out, "Job", text(s, "jobName"));
    }
    if (text(s, "startTime") != null) {
      field(out, "Started", text(s, "startTime"));
    }
    if (text(s, "completionTime") != null) {
      field(out, "Completed", text(s, "completionTime"));
    }
    if (s.path("tables").size() > 0) {
      out.append('\n').append(tables(s));
    }
    JsonNode auth0 = s.path("auth0");
    if (!auth0.isMissingNode()) {
      out.append('\n');
      field(out, "Auth0", text(auth0, "domain") + ": " + auth0.path("before").asText() + " users before, "
          + auth0.path("deleted").asText("0") + " deleted, " + auth0.path("after").asText() + " after");
    }
    return out.toString();
  }

  /**
   * The per-table counts: a plan (or dry run) shows the rows that would be deleted; a purge shows before,
   * deleted (when the status has it) and after.
   */
  static String tables(JsonNode s) {
    boolean plan = s.path("dryRun").asBoolean(false);
    boolean deleted = StreamSupport.stream(s.path("tables").spliterator(), false).anyMatch(t -> t.has("deleted"));
    List<List<String>> rows = new ArrayList<>();
    rows.add(plan ? List.of("TABLE", "ROLE", "ROWS") : deleted ? List.of("TABLE", "ROLE", "BEFORE", "DELETED", "AFTER")
        : List.of("TABLE", "ROLE", "BEFORE", "AFTER"));
    for (JsonNode t : s.path("tables")) {
      rows.add(counts(t.path("table").asText(), t.path("role").asText(), t, plan, deleted));
    }
    if (!s.path("totals").isMissingNode()) {
      rows.add(counts("TOTAL", "", s.path("totals"), plan, deleted));
    }
    return (plan ? "Plan (nothing deleted yet):\n" : "") + table(rows, 2);
  }

  private static List<String> counts(String table, String role, JsonNode t, boolean plan, boolean deleted) {
    List<String> row = new ArrayList<>(List.of(table, role, t.path("before").asText("-")));
    if (!plan) {
      if (deleted) {
        row.add(t.has("deleted") ? t.path("deleted").asText() : "-");
      }
      row.add(t.path("after").asText("-"));
    }
    return row;
  }

  /** {@code kubectl purge status}: one line per resource of the namespace. */
  static String list(JsonNode items, Instant now) {
    List<List<String>> rows = new ArrayList<>();
    rows.add(List.of("NAME", "PHASE", "DATABASE", "ROWS BEFORE", "ROWS AFTER", "PLAN", "AGE"));
    for (JsonNode r : items) {
      JsonNode s = r.path("status");
      rows.add(List.of(r.path("metadata").path("name").asText(), phase(r),
          orElse(text(s, "database"), r.path("spec").path("database").path("name").asText()),
          s.path("totals").path("before").asText("-"), s.path("totals").path("after").asText("-"),
          orElse(planId(r), "-"), age(text(r.path("metadata"), "creationTimestamp"), now)));
    }
    return table(rows, 3);
  }

  /** {@code kubectl purge history}: the runs, newest first. */
  static String history(JsonNode items, Instant now) {
    List<JsonNode> runs = new ArrayList<>();
    items.forEach(runs::add);
    runs.sort(Comparator.comparing((JsonNode r) -> r.path("metadata").path("creationTimestamp").asText()).reversed()
        .thenComparing(r -> r.path("metadata").path("name").asText()));
    List<List<String>> rows = new ArrayList<>();
    rows.add(List.of("NAME", "PHASE", "DATABASE", "ROWS BEFORE", "ROWS AFTER", "STARTED", "COMPLETED", "AGE"));
    for (JsonNode r : runs) {
      JsonNode s = r.path("status");
      rows.add(List.of(r.path("metadata").path("name").asText(), phase(r) + (text(s, "reason") == null ? ""
              : " (" + text(s, "reason") + ")"),
          orElse(text(s, "database"), r.path("spec").path("database").path("name").asText()),
          s.path("totals").path("before").asText("-"), s.path("totals").path("after").asText("-"),
          orElse(text(s, "startTime"), "-"), orElse(text(s, "completionTime"), "-"),
          age(text(r.path("metadata"), "creationTimestamp"), now)));
    }
    return table(rows, 3);
  }

  /** kubectl's short ages: 45s, 12m, 5h, 3d. */
  static String age(String timestamp, Instant now) {
    if (timestamp == null) {
      return "-";
    }
    Duration d = Duration.between(Instant.parse(timestamp), now);
    long s = Math.max(0, d.getSeconds());
    return s < 120 ? s + "s" : s < 7200 ? s / 60 + "m" : s < 172800 ? s / 3600 + "h" : s / 86400 + "d";
  }

  /** Columns padded to their widest cell; counts (columns of numbers, "-" or empty) right-aligned. */
  static String table(List<List<String>> rows, int gap) {
    int columns = rows.get(0).size();
    int[] width = new int[columns];
    boolean[] numeric = new boolean[columns];
    java.util.Arrays.fill(numeric, true);
    for (int r = 0; r < rows.size(); r++) {
      for (int i = 0; i < columns; i++) {
        String cell = rows.get(r).get(i);
        width[i] = Math.max(width[i], cell.length());
        numeric[i] &= r == 0 || cell.isEmpty() || cell.equals("-") || cell.chars().allMatch(Character::isDigit);
      }
    }
    StringBuilder out = new StringBuilder();
    for (List<String> row : rows) {
      StringBuilder line = new StringBuilder();
      for (int i = 0; i < columns; i++) {
        String pad = " ".repeat(width[i] - row.get(i).length());
        line.append(numeric[i] ? pad + row.get(i) : row.get(i));
        if (i < columns - 1) {
          line.append(numeric[i] ? "" : pad).append(" ".repeat(gap));
        }
      }
      out.append(line.toString().stripTrailing()).append('\n');
    }
    return out.toString();
  }

  private static void field(StringBuilder out, String name, String value) {
    out.append(name).append(':').append(" ".repeat(Math.max(1, 12 - name.length()))).append(value).append('\n');
  }

  private static String orElse(String value, String otherwise) {
    return value == null ? otherwise : value;
  }
}
