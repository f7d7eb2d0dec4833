package io.datapurge.purge;

import io.datapurge.api.Strategy;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;

/** What the user asked for: the command's flags, or the operator's resource, after parsing. */
public record PurgeRequest(
    List<TableName> tables,
    List<TableName> keep,
    boolean includeDependents,
    Strategy strategy,
    boolean dryRun,
    String confirm,
    boolean force,
    Duration lockTimeout,
    Duration statementTimeout,
    boolean resetSequences,
    String backupSchema,
    Pattern protectedPattern,
    boolean allowProtected,
    String runId,
    List<SeedScript> seed) {

  public PurgeRequest {
    seed = seed == null ? List.of() : List.copyOf(seed);
  }

  /** Without a seed: the shape every caller had before {@code seed}. */
  public PurgeRequest(List<TableName> tables, List<TableName> keep, boolean includeDependents, Strategy strategy,
      boolean dryRun, String confirm, boolean force, Duration lockTimeout, Duration statementTimeout,
      boolean resetSequences, String backupSchema, Pattern protectedPattern, boolean allowProtected, String runId) {
    this(tables, keep, includeDependents, strategy, dryRun, confirm, force, lockTimeout, statementTimeout,
        resetSequences, backupSchema, protectedPattern, allowProtected, runId, List.of());
  }

  /**
   * The database names (and Auth0 tenants) refused unless allowed: the one default of the purge
   * command, the operator and, as a copy a test holds to it, the chart's values.yaml and deploy/.
   */
  public static final String DEFAULT_PROTECTED_PATTERN = "(?i).*prod.*";

  public static final Pattern DEFAULT_PROTECTED = Pattern.compile(DEFAULT_PROTECTED_PATTERN);

  /** A request with the defaults of the command line; tests and callers adjust it with the withers. */
  public static PurgeRequest of(List<TableName> tables) {
    return new PurgeRequest(tables, List.of(), true, Strategy.Delete, false, null, false,
        Duration.ofSeconds(10), Duration.ofMinutes(10), false, null, DEFAULT_PROTECTED, false, null);
  }

  public PurgeRequest withStrategy(Strategy s) {
    return new PurgeRequest(tables, keep, includeDependents, s, dryRun, confirm, force, lockTimeout,
        statementTimeout, resetSequences, backupSchema, protectedPattern, allowProtected, runId, seed);
  }

  public PurgeRequest withDryRun(boolean d) {
    return new PurgeRequest(tables, keep, includeDependents, strategy, d, confirm, force, lockTimeout,
        statementTimeout, resetSequences, backupSchema, protectedPattern, allowProtected, runId, seed);
  }

  public PurgeRequest withForce(boolean f) {
    return new PurgeRequest(tables, keep, includeDependents, strategy, dryRun, confirm, f, lockTimeout,
        statementTimeout, resetSequences, backupSchema, protectedPattern, allowProtected, runId, seed);
  }

  public PurgeRequest withKeep(List<TableName> k) {
    return new PurgeRequest(tables, k, includeDependents, strategy, dryRun, confirm, force, lockTimeout,
        statementTimeout, resetSequences, backupSchema, protectedPattern, allowProtected, runId, seed);
  }

  public PurgeRequest withIncludeDependents(boolean i) {
    return new PurgeRequest(tables, keep, i, strategy, dryRun, confirm, force, lockTimeout,
        statementTimeout, resetSequences, backupSchema, protectedPattern, allowProtected, runId, seed);
  }

  public PurgeRequest withBackupSchema(String b) {
    return new PurgeRequest(tables, keep, includeDependents, strategy, dryRun, confirm, force, lockTimeout,
        statementTimeout, resetSequences, b, protectedPattern, allowProtected, runId, seed);
  }

  public PurgeRequest withResetSequences(boolean r) {
    return new PurgeRequest(tables, keep, includeDependents, strategy, dryRun, confirm, force, lockTimeout,
        statementTimeout, r, backupSchema, protectedPattern, allowProtected, runId, seed);
  }

  /** SQL files run in order after the delete, in the same transaction (see {@link Seeding}). */
  public PurgeRequest withSeed(List<SeedScript> s) {
    return new PurgeRequest(tables, keep, includeDependents, strategy, dryRun, confirm, force, lockTimeout,
        statementTimeout, resetSequences, backupSchema, protectedPattern, allowProtected, runId, s);
  }
}
