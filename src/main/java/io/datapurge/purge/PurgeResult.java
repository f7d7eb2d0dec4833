package io.datapurge.purge;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * What one run of the {@code purge} command hands back: written as JSON (at most 4 KiB) to the
 * result file, which in a Job is the container's termination message. The operator parses it
 * into the resource's status, so the field names are a contract.
 *
 * <p>A successful run carries the counts; a failed one carries {@link #error} and whatever counts
 * were taken before the failure (with {@code committed=false}). {@code runId} echoes {@code --run-id}
 * so the operator can tell runs apart; {@code tablesOmitted} says how many tables were left out of
 * {@code tables} to keep the JSON within 4 KiB (the totals still count them).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record PurgeResult(
    String database,
    String strategy,
    Boolean dryRun,
    Boolean committed,
    List<TableCount> tables,
    Totals totals,
    Long durationMs,
    Failure error,
    String runId,
    Integer tablesOmitted) {

  /** Rows of one table before and after; role is {@code root}, {@code dependent} or {@code unlinked}. */
  public record TableCount(String table, String role, long before, long after) {}

  public record Totals(long before, long after) {}

  /** A failure the user can act on: a CamelCase reason and a sentence naming the fix. */
  public record Failure(String reason, String message) {}

  public static PurgeResult failure(FailureReason reason, String message) {
    return new PurgeResult(null, null, null, false, null, null, null,
        new Failure(reason.name(), message), null, null);
  }

  public PurgeResult withRunId(String id) {
    return new PurgeResult(database, strategy, dryRun, committed, tables, totals, durationMs, error, id, tablesOmitted);
  }
}
