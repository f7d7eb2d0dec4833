package io.datapurge.plugin;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Optional;

/**
 * Whether {@code kubectl purge approve} may approve the plan it shows: a pure decision on the resource
 * as read, so every refusal is a fast test. The operator checks again (the annotation must name the
 * current plan id) and the purge checks current_database().
 */
final class ApprovalCheck {

  private ApprovalCheck() {}

  /** Why the resource's plan cannot be approved now, or empty when it can. */
  static Optional<String> refusal(JsonNode r) {
    String name = r.path("metadata").path("name").asText();
    String phase = PurgeView.phase(r);
    JsonNode s = r.path("status");
    long generation = r.path("metadata").path("generation").asLong();
    if (Boolean.TRUE.equals(r.path("spec").path("dryRun").asBoolean(false))) {
      return Optional.of(name + " has spec.dryRun: true, so it never purges; nothing to approve.");
    }
    String plan = PurgeView.planId(r);
    long planGeneration = s.path("plan").path("generation").asLong(-1);
    if (plan != null && planGeneration != generation) {
      return Optional.of("The plan in the status of " + name + " (" + plan + ") is stale: it was made for generation "
          + planGeneration + " and the spec has changed since (generation " + generation + "). Wait for the new"
          + " plan: kubectl purge status " + name + " -w");
    }
    if (!PurgeView.currentGeneration(r)) {
      return Optional.of("The spec of " + name + " changed (generation " + generation + ") and the operator has not"
          + " planned it yet. Wait for the new plan: kubectl purge status " + name + " -w");
    }
    if (!"AwaitingConfirmation".equals(phase) || PurgeView.planId(r) == null) {
      String why = switch (phase) {
        case "Pending", "Planning" -> "has no plan yet (phase " + phase + "). Wait for it: kubectl purge status "
            + name + " -w";
        case "Running" -> "is already purging (phase Running).";
        case "Succeeded" -> "has already run (phase Succeeded). Change spec.runId to plan again.";
        case "Blocked", "Failed" -> "has no plan to approve (phase " + phase + ": "
            + PurgeView.text(s, "reason") + "). See kubectl purge status " + name + ".";
        default -> "has no plan to approve (phase " + phase + "). Is the operator running a version with approvals?";
      };
      return Optional.of(name + " " + why);
    }
    return Optional.empty();
  }

  /** The name the user must type: the database the plan counted (the server's current_database()). */
  static String database(JsonNode r) {
    String counted = PurgeView.text(r.path("status"), "database");
    return counted != null ? counted : r.path("spec").path("database").path("name").asText();
  }

  /** The typed name differs from the database: the refusal, or empty when they are equal. */
  static Optional<String> mismatch(JsonNode r, String typed) {
    String db = database(r);
    if (typed != null && typed.strip().equals(db)) {
      return Optional.empty();
    }
    return Optional.of("'" + (typed == null ? "" : typed.strip()) + "' is not the database name (" + db
        + "); nothing was approved.");
  }
}
