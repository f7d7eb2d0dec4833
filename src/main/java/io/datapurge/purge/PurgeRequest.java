package io.datapurge.purge;

import io.datapurge.api.ForeignKeyChecks;
import io.datapurge.api.Strategy;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * What the user asked for: the command's flags, or the operator's resource, after parsing.
 * {@code where} maps a root (as named in {@code tables}) to its predicate ({@code --where}); empty: every
 * row. {@code identityColumn} is the root column that maps purged rows to Auth0 users, or null.
 */
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
    Map<TableName, String> where,
    IdentityColumn identityColumn,
    List<SeedScript> seed,
    ForeignKeyChecks keyChecks) {

  /**
   * The column of the first root whose values name the Auth0 user of a purged row: the Auth0
   * {@code user_id} or, with {@code email}, the user's email address.
   */
  public record IdentityColumn(String column, boolean email) {}

  public PurgeRequest {
    where = where == null ? Map.of() : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(where));
    seed = seed == null ? List.of() : List.copyOf(seed);
    keyChecks = keyChecks == null ? ForeignKeyChecks.Batch : keyChecks;
  }

  /** A request without predicates or seed: every row of the roots. */
  public PurgeRequest(List<TableName> tables, List<TableName> keep, boolean includeDependents, Strategy strategy,
      boolean dryRun, String confirm, boolean force, Duration lockTimeout, Duration statementTimeout,
      boolean resetSequences, String backupSchema, Pattern protectedPattern, boolean allowProtected, String runId) {
    this(tables, keep, includeDependents, strategy, dryRun, confirm, force, lockTimeout, statementTimeout,
        resetSequences, backupSchema, protectedPattern, allowProtected, runId, Map.of(), null, List.of(), null);
  }

  public PurgeRequest withWhere(Map<TableName, String> w) {
    return new PurgeRequest(tables, keep, includeDependents, strategy, dryRun, confirm, force, lockTimeout,
        statementTimeout, resetSequences, backupSchema, protectedPattern, allowProtected, runId, w, identityColumn, seed, keyChecks);
  }

  public PurgeRequest withIdentityColumn(IdentityColumn c) {
    return new PurgeRequest(tables, keep, includeDependents, strategy, dryRun, confirm, force, lockTimeout,
        statementTimeout, resetSequences, backupSchema, protectedPattern, allowProtected, runId, where, c, seed, keyChecks);
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
        statementTimeout, resetSequences, backupSchema, protectedPattern, allowProtected, runId, where, identityColumn, seed, keyChecks);
  }

  public PurgeRequest withDryRun(boolean d) {
    return new PurgeRequest(tables, keep, includeDependents, strategy, d, confirm, force, lockTimeout,
        statementTimeout, resetSequences, backupSchema, protectedPattern, allowProtected, runId, where, identityColumn, seed, keyChecks);
  }

  public PurgeRequest withForce(boolean f) {
    return new PurgeRequest(tables, keep, includeDependents, strategy, dryRun, confirm, f, lockTimeout,
        statementTimeout, resetSequences, backupSchema, protectedPattern, allowProtected, runId, where, identityColumn, seed, keyChecks);
  }

  public PurgeRequest withKeep(List<TableName> k) {
    return new PurgeRequest(tables, k, includeDependents, strategy, dryRun, confirm, force, lockTimeout,
        statementTimeout, resetSequences, backupSchema, protectedPattern, allowProtected, runId, where, identityColumn, seed, keyChecks);
  }

  public PurgeRequest withIncludeDependents(boolean i) {
    return new PurgeRequest(tables, keep, i, strategy, dryRun, confirm, force, lockTimeout,
        statementTimeout, resetSequences, backupSchema, protectedPattern, allowProtected, runId, where, identityColumn, seed, keyChecks);
  }

  public PurgeRequest withBackupSchema(String b) {
    return new PurgeRequest(tables, keep, includeDependents, strategy, dryRun, confirm, force, lockTimeout,
        statementTimeout, resetSequences, b, protectedPattern, allowProtected, runId, where, identityColumn, seed, keyChecks);
  }

  public PurgeRequest withResetSequences(boolean r) {
    return new PurgeRequest(tables, keep, includeDependents, strategy, dryRun, confirm, force, lockTimeout,
        statementTimeout, r, backupSchema, protectedPattern, allowProtected, runId, where, identityColumn, seed, keyChecks);
  }

  /** How the keys between purged tables are checked ({@link io.datapurge.purge.KeyChecks}). */
  public PurgeRequest withKeyChecks(ForeignKeyChecks k) {
    return new PurgeRequest(tables, keep, includeDependents, strategy, dryRun, confirm, force, lockTimeout,
        statementTimeout, resetSequences, backupSchema, protectedPattern, allowProtected, runId, where, identityColumn, seed,
        k);
  }

  /** SQL files run in order after the delete, in the same transaction (see {@link Seeding}). */
  public PurgeRequest withSeed(List<SeedScript> s) {
    return new PurgeRequest(tables, keep, includeDependents, strategy, dryRun, confirm, force, lockTimeout,
        statementTimeout, resetSequences, backupSchema, protectedPattern, allowProtected, runId, where, identityColumn, s, keyChecks);
  }
}
