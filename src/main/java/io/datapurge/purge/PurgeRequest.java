package io.datapurge.purge;

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
    String runId) {

  public static final Pattern DEFAULT_PROTECTED = Pattern.compile("(?i).*prod.*");

  /** A request with the defaults of the command line; tests and callers adjust it with the withers. */
  public static PurgeRequest of(List<TableName> tables) {
    return new PurgeRequest(tables, List.of(), true, Strategy.DELETE, false, null, false,
        Duration.ofSeconds(10), Duration.ofMinutes(10), false, null, DEFAULT_PROTECTED, false, null);
  }

  public PurgeRequest withStrategy(Strategy s) {
    return new PurgeRequest(tables, keep, includeDependents, s, dryRun, confirm, force, lockTimeout,
        statementTimeout, resetSequences, backupSchema, protectedPattern, allowProtected, runId);
  }

  public PurgeRequest withDryRun(boolean d) {
    return new PurgeRequest(tables, keep, includeDependents, strategy, d, confirm, force, lockTimeout,
        statementTimeout, resetSequences, backupSchema, protectedPattern, allowProtected, runId);
  }

  public PurgeRequest withForce(boolean f) {
    return new PurgeRequest(tables, keep, includeDependents, strategy, dryRun, confirm, f, lockTimeout,
        statementTimeout, resetSequences, backupSchema, protectedPattern, allowProtected, runId);
  }

  public PurgeRequest withKeep(List<TableName> k) {
    return new PurgeRequest(tables, k, includeDependents, strategy, dryRun, confirm, force, lockTimeout,
        statementTimeout, resetSequences, backupSchema, protectedPattern, allowProtected, runId);
  }

  public PurgeRequest withIncludeDependents(boolean i) {
    return new PurgeRequest(tables, keep, i, strategy, dryRun, confirm, force, lockTimeout,
        statementTimeout, resetSequences, backupSchema, protectedPattern, allowProtected, runId);
  }

  public PurgeRequest withBackupSchema(String b) {
    return new PurgeRequest(tables, keep, includeDependents, strategy, dryRun, confirm, force, lockTimeout,
        statementTimeout, resetSequences, b, protectedPattern, allowProtected, runId);
  }

  public PurgeRequest withResetSequences(boolean r) {
    return new PurgeRequest(tables, keep, includeDependents, strategy, dryRun, confirm, force, lockTimeout,
        statementTimeout, r, backupSchema, protectedPattern, allowProtected, runId);
  }
}
