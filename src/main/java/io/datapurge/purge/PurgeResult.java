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
 * {@code tables} to keep the JSON within 4 KiB (the totals still count them). {@code auth0} is present
 * when the run also purged (or counted) the users of an Auth0 tenant; see docs/auth0.md.
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
    Integer tablesOmitted,
    Auth0 auth0,
    List<SeedFile> seed,
    KeyChecks keyChecks) {

  /** The result without key checks: the shape every caller had before {@code keyChecks}. */
  public PurgeResult(String database, String strategy, Boolean dryRun, Boolean committed, List<TableCount> tables,
      Totals totals, Long durationMs, Failure error, String runId, Integer tablesOmitted, Auth0 auth0,
      List<SeedFile> seed) {
    this(database, strategy, dryRun, committed, tables, totals, durationMs, error, runId, tablesOmitted, auth0, seed,
        null);
  }

  /** The result without a seed: the shape every caller had before {@code seed}. */
  public PurgeResult(String database, String strategy, Boolean dryRun, Boolean committed, List<TableCount> tables,
      Totals totals, Long durationMs, Failure error, String runId, Integer tablesOmitted, Auth0 auth0) {
    this(database, strategy, dryRun, committed, tables, totals, durationMs, error, runId, tablesOmitted, auth0, null,
        null);
  }

  /** The result without an identity provider: the shape every caller had before {@code auth0}. */
  public PurgeResult(String database, String strategy, Boolean dryRun, Boolean committed, List<TableCount> tables,
      Totals totals, Long durationMs, Failure error, String runId, Integer tablesOmitted) {
    this(database, strategy, dryRun, committed, tables, totals, durationMs, error, runId, tablesOmitted, null, null,
        null);
  }

  /**
   * Rows of one table before and after; role is {@code root}, {@code dependent} or {@code unlinked}.
   * {@code deleted} counts the rows this purge removes (in a dry run or plan: would remove; an unlinked
   * table loses none); {@code method} says how: {@code truncate} or {@code delete} (absent for unlinked).
   * {@code seeded}: rows the seed added (present with {@code --seed-file} only), so that
   * {@code after = before - deleted + seeded}; {@code after} is what the table held at commit.
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record TableCount(String table, String role, long before, long after, Long deleted, String method,
      Long seeded) {
    /** The shape before {@code deleted}: every row of a purged table goes (or, in a dry run, would go). */
    public TableCount(String table, String role, long before, long after) {
      this(table, role, before, after, null, null, null);
    }

    /** Without a seed. */
    public TableCount(String table, String role, long before, long after, Long deleted, String method) {
      this(table, role, before, after, deleted, method, null);
    }
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Totals(long before, long after, Long deleted, Long seeded) {
    public Totals(long before, long after) {
      this(before, after, null, null);
    }

    public Totals(long before, long after, Long deleted) {
      this(before, after, deleted, null);
    }
  }

  /**
   * How a DELETE purge had the foreign keys between its tables checked ({@code --fk-checks}):
   * {@code batch} keys were dropped before the DELETEs and re-added after them (checked once),
   * {@code perRow} keys stayed in place (checked per deleted row); {@code why} names those that
   * stayed although the mode is {@code batch}, with the reason (at most three).
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record KeyChecks(String mode, int batch, int perRow, List<String> why) {}

  /** One {@code --seed-file} and how many statements it holds (a dry run parses, never runs them). */
  public record SeedFile(String file, int statements) {}

  /**
   * A failure the user can act on: a CamelCase reason and a sentence naming the fix. The reason
   * travels as its name (the JSON contract); code decides on {@link #failureReason()}, never on the name.
   */
  public record Failure(String reason, String message) {
    public static Failure of(FailureReason reason, String message) {
      return new Failure(reason.name(), message);
    }

    /** The reason as its type; a name this version does not know (say, from a newer image) is {@code Failed}. */
    public FailureReason failureReason() {
      return FailureReason.named(reason);
    }
  }

  /**
   * Users of the Auth0 tenant (only those of {@code connection} when set) before and after the run;
   * {@code deleted} counts users this run deleted, {@code alreadyDeleted} users that were gone when
   * their delete arrived (404), and {@code error} says why the Auth0 side stopped early.
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Auth0(String domain, String connection, Long before, Long deleted, Long alreadyDeleted, Long after,
      String error) {}

  public static PurgeResult failure(FailureReason reason, String message) {
    return new PurgeResult(null, null, null, false, null, null, null,
        Failure.of(reason, message), null, null);
  }

  public PurgeResult withRunId(String id) {
    return new PurgeResult(database, strategy, dryRun, committed, tables, totals, durationMs, error, id, tablesOmitted,
        auth0, seed, keyChecks);
  }

  public PurgeResult withAuth0(Auth0 identity) {
    return new PurgeResult(database, strategy, dryRun, committed, tables, totals, durationMs, error, runId,
        tablesOmitted, identity, seed, keyChecks);
  }

  public PurgeResult withError(Failure failure) {
    return new PurgeResult(database, strategy, dryRun, committed, tables, totals, durationMs, failure, runId,
        tablesOmitted, auth0, seed, keyChecks);
  }

  public PurgeResult withSeed(List<SeedFile> files) {
    return new PurgeResult(database, strategy, dryRun, committed, tables, totals, durationMs, error, runId,
        tablesOmitted, auth0, files, keyChecks);
  }

  public PurgeResult withKeyChecks(KeyChecks checks) {
    return new PurgeResult(database, strategy, dryRun, committed, tables, totals, durationMs, error, runId,
        tablesOmitted, auth0, seed, checks);
  }
}
