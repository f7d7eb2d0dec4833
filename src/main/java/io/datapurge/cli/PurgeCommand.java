package io.datapurge.cli;

import ch.qos.logback.classic.Level;
import com.zaxxer.hikari.HikariDataSource;
import io.datapurge.api.ForeignKeyChecks;
import io.datapurge.api.Strategy;
import io.datapurge.auth0.Auth0UserPurge;
import io.datapurge.purge.ConnectionSettings;
import io.datapurge.purge.FailureReason;
import io.datapurge.purge.PurgeException;
import io.datapurge.purge.PurgeExecutor;
import io.datapurge.purge.PurgePlan;
import io.datapurge.purge.PurgeReport;
import io.datapurge.purge.PurgeRequest;
import io.datapurge.purge.PurgeResult;
import io.datapurge.purge.PurgeSelection;
import io.datapurge.purge.PurgeStatements;
import io.datapurge.purge.RunLedger;
import io.datapurge.purge.SeedScript;
import io.datapurge.purge.SqlFailures;
import io.datapurge.purge.TableName;
import java.io.Console;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code purge}: empties the named tables and every table whose rows depend on them, in one
 * transaction, with counts before and after. The Django management command's flow (show counts, ask
 * for yes, delete, show counts) on a terminal; flags and a JSON result in a Job.
 */
@Command(
    name = "purge",
    mixinStandardHelpOptions = true,
    description = "Delete the rows of the named tables (every row, or those --where selects) and the rows that"
        + " reference them, in one transaction.",
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
        "0:purged (or dry run done)",
        "1:Failed: any other error",
        "2:Usage: bad flags or table names",
        "3:Refused, ConfirmationMismatch, ProtectedDatabase, PlanInvalid",
        "4:ConnectionFailed, AuthFailed, Auth0Failed (nothing deleted)",
        "5:LockTimeout, StatementTimeout, Busy",
        "6:VerificationFailed: rows remained, rolled back",
        "7:Auth0Incomplete: database purged, some Auth0 users remain; run again"})
public final class PurgeCommand implements Callable<Integer> {
  @Mixin ConnectionOptions connection;
  @Mixin Auth0Options auth0;

  @Option(names = "--table", required = true, paramLabel = "TABLE",
      description = "Table to empty, optionally schema-qualified (app.users); repeat for more.")
  List<String> tables;

  @Option(names = "--where", paramLabel = "TABLE=PREDICATE",
      description = "Purge only the rows of root TABLE (as named with --table) that PREDICATE, a SQL boolean"
          + " expression over its columns, selects; rows that reference them go too, through every foreign key."
          + " E.g. --where \"auth_user=NOT (is_staff OR is_superuser)\". Repeat for other roots.")
  List<String> where = new ArrayList<>();

  @Option(names = "--keep", paramLabel = "TABLE",
      description = "Table never to purge; a plan that needs it is refused.")
  List<String> keep = new ArrayList<>();

  @Option(names = "--no-dependents", description = "Purge only the named tables, not the tables referencing them.")
  boolean noDependents;

  @Option(names = "--strategy", defaultValue = "delete", paramLabel = "delete|truncate",
      description = "delete (default) or truncate; both end in the same state.")
  Strategy strategy;

  @Option(names = "--fk-checks", defaultValue = "batch", paramLabel = "batch|per-row",
      converter = KeyChecksConverter.class,
      description = "batch (default): a foreign key between two purged tables is dropped before the deletes and"
          + " re-added after them in the same transaction, so PostgreSQL checks it once instead of per deleted row"
          + " (only where that is safe; the result says which keys and why not). per-row: keep every key in place.")
  ForeignKeyChecks keyChecks;

  @Option(names = "--dry-run", description = "Count only, in a read-only transaction; delete nothing.")
  boolean dryRun;

  @Option(names = "--print-sql",
      description = "With --dry-run: also print the SQL a purge of this plan would run, as one psql-ready transaction.")
  boolean printSql;

  @Option(names = "--confirm", paramLabel = "DBNAME", description = "Must equal the server's current_database().")
  String confirm;

  @Option(names = "--force", description = "Skip the confirmation prompt.")
  boolean force;

  @Option(names = "--lock-timeout", defaultValue = "10s", converter = DurationConverter.class,
      description = "How long to wait for the table locks (default ${DEFAULT-VALUE}).")
  Duration lockTimeout;

  @Option(names = "--statement-timeout", defaultValue = "10m", converter = DurationConverter.class,
      description = "Longest any one statement may run (default ${DEFAULT-VALUE}).")
  Duration statementTimeout;

  @Option(names = "--result-file", paramLabel = "PATH",
      description = "Where to write the JSON result (default /dev/termination-log when it exists).")
  Path resultFile;

  @Option(names = "--reset-sequences", description = "Restart the sequences owned by the purged tables (before the"
      + " seed), past the largest value left in their column.")
  boolean resetSequences;

  @Option(names = "--seed-file", paramLabel = "PATH",
      description = "SQL (or pg_dump --data-only output) run after the delete, in the same transaction, with the"
          + " purge's role; repeat for more, run in order. A dry run only counts its statements.")
  List<Path> seedFiles = new ArrayList<>();

  @Option(names = "--backup-schema", paramLabel = "NAME",
      description = "Copy the purged rows into this new schema first (see restore).")
  String backupSchema;

  @Option(names = "--protected-pattern", defaultValue = PurgeRequest.DEFAULT_PROTECTED_PATTERN, paramLabel = "REGEX",
      description = "Refuse databases whose name matches (default ${DEFAULT-VALUE}).")
  String protectedPattern;

  @Option(names = "--allow-protected", description = "Purge even a database matching --protected-pattern.")
  boolean allowProtected;

  @Option(names = "--run-id", paramLabel = "ID", description = "Echoed into the result to tell runs apart.")
  String runId;

  @Option(names = "--run-ledger", paramLabel = "TABLE",
      description = "Record each committed --run-id in this table (created if missing) in the purge's transaction;"
          + " a run id found there is not purged again and its recorded result is returned.")
  String runLedger;

  @Spec CommandSpec spec;

  /** {@code batch} / {@code per-row}, the spelling of {@link ForeignKeyChecks#label()}. */
  static final class KeyChecksConverter implements picocli.CommandLine.ITypeConverter<ForeignKeyChecks> {
    @Override
    public ForeignKeyChecks convert(String value) {
      ForeignKeyChecks c = ForeignKeyChecks.ofLabel(value);
      if (c == null) {
        throw new picocli.CommandLine.TypeConversionException("'" + value + "' is not batch or per-row");
      }
      return c;
    }
  }

  @Override
  public Integer call() {
    quietLibraries();
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    ConnectionSettings settings = null;
    try {
      PurgeRequest request = request();
      Auth0UserPurge identity = auth0.open(System.getenv(), request.protectedPattern(), allowProtected, dryRun);
      settings = connection.settings(runId);
      // Auth0 is checked and counted before the database is touched: a bad tenant setup deletes nothing.
      if (identity != null && request.identityColumn() != null) identity.preflightScopes(!dryRun);
      else if (identity != null) identity.preflight(!dryRun);
      if (identity != null && request.identityColumn() == null && !dryRun) {
        err.println("auth0: users listed by " + identity.listingReason()); // the Job's log says which and why
        err.flush();
      }
      PurgeExecutor.Outcome outcome;
      try (HikariDataSource pool = settings.open(Duration.ofSeconds(5)); Connection c = pool.getConnection()) {
        PurgeExecutor executor = new PurgeExecutor(runLedger == null ? null : new RunLedger(TableName.parse(runLedger)));
        if (!dryRun && confirm == null && !force && System.console() != null) {
          PurgeExecutor.Outcome preview = executor.run(c, request.withDryRun(true));
          PurgeResult shown = identity == null ? preview.result() : auth0Half(identity, request, preview);
          if (!preview.succeeded()) return finish(preview.plan(), shown, settings, out, err);
          boolean isProtected = request.protectedPattern().matcher(preview.result().database()).matches();
          if (!isProtected || allowProtected) { // a protected database is refused below, without asking
            out.print(settings.scrub(PurgeReport.render(preview.plan(), shown)));
            out.flush();
            if (!confirmedOnTerminal(System.console(), preview.result().database())) {
              return finish(preview.plan(), failure(FailureReason.Refused,
                  "Not confirmed: nothing was deleted (answer yes to purge, or pass --confirm)."), settings, out, err);
            }
          }
          request = request.withForce(true);
        }
        outcome = executor.run(c, request);
        // Database first (atomic), then Auth0 (idempotent, resumable): see docs/auth0.md.
        PurgeResult result = identity == null ? outcome.result() : auth0Half(identity, request, outcome);
        if (identity != null && request.identityColumn() != null && executor.ledger() != null && !dryRun
            && result.error() == null && Boolean.TRUE.equals(outcome.result().committed())) {
          executor.ledger().finished(c); // every recorded user is gone: a later run need not retry them
        }
        return finish(outcome.plan(), outcome.selection(), result, settings, out, err);
      }
    } catch (Exception e) {
      PurgeException failure = SqlFailures.classify(e, false);
      return finish(null, failure(failure.reason(), failure.getMessage()), settings, out, err);
    }
  }

  PurgeRequest request() {
    Pattern pattern;
    try {
      pattern = Pattern.compile(protectedPattern);
    } catch (PatternSyntaxException e) {
      throw new PurgeException(FailureReason.Usage, "--protected-pattern is not a valid regular expression: "
          + e.getDescription() + ".");
    }
    if (runLedger != null && runId == null) {
      throw new PurgeException(FailureReason.Usage, "--run-ledger records runs by their --run-id: pass --run-id too.");
    }
    if (printSql && !dryRun) {
      throw new PurgeException(FailureReason.Usage, "--print-sql prints what a purge would run: add --dry-run.");
    }
    if (backupSchema != null && dryRun) {
      throw new PurgeException(FailureReason.Usage, "--backup-schema makes no sense with --dry-run: drop one of them.");
    }
    Map<TableName, String> predicates = predicates();
    return new PurgeRequest(tables.stream().map(TableName::parse).toList(),
        keep.stream().map(TableName::parse).toList(), !noDependents, strategy, dryRun, confirm, force,
        lockTimeout, statementTimeout, resetSequences, backupSchema, pattern, allowProtected, runId,
        predicates, auth0.identityColumn(!predicates.isEmpty()), seedFiles.stream().map(SeedScript::read).toList(),
        keyChecks);
  }

  /** --where TABLE=PREDICATE, split at the first '=' that ends a valid table name (a predicate holds '=' too). */
  private Map<TableName, String> predicates() {
    Map<TableName, String> result = new LinkedHashMap<>();
    for (String w : where) {
      int eq = w.indexOf('=');
      if (eq <= 0 || Character.isWhitespace(w.charAt(eq - 1))) { // "id = 4711" is a predicate without its table
        throw new PurgeException(FailureReason.Usage, "--where '" + w + "' must be TABLE=PREDICATE, e.g."
            + " --where \"auth_user=NOT (is_staff OR is_superuser)\".");
      }
      TableName table = TableName.parse(w.substring(0, eq));
      if (result.put(table, w.substring(eq + 1)) != null) {
        throw new PurgeException(FailureReason.Usage, "--where names " + table + " twice: give one predicate per"
            + " table (combine them with AND / OR).");
      }
    }
    return result;
  }

  /** Auth0 after the database: the mapped users of the purged rows, or (no mapping column) the whole tenant. */
  private static PurgeResult auth0Half(Auth0UserPurge identity, PurgeRequest request, PurgeExecutor.Outcome outcome) {
    if (request.identityColumn() == null) return identity.complete(outcome.result());
    if (outcome.identities() == null) return outcome.result(); // the run failed before it read them
    return identity.completeUsers(outcome.result(), outcome.identities(), request.identityColumn().email());
  }

  private static boolean confirmedOnTerminal(Console console, String database) {
    String answer = console.readLine("Type 'yes' to delete these rows from database %s: ", database);
    return answer != null && answer.strip().equals("yes");
  }

  private PurgeResult failure(FailureReason reason, String message) {
    return new PurgeResult(null, strategy == null ? null : strategy.label(), dryRun, false, null, null, null,
        PurgeResult.Failure.of(reason, message), runId, null);
  }

  private int finish(PurgePlan plan, PurgeResult result, ConnectionSettings settings,
      PrintWriter out, PrintWriter err) {
    return finish(plan, null, result, settings, out, err);
  }

  private int finish(PurgePlan plan, PurgeSelection selection, PurgeResult result, ConnectionSettings settings,
      PrintWriter out, PrintWriter err) {
    PurgeResult r = scrub(result, settings);
    if (r.tables() != null || r.error() == null) out.print(scrub(PurgeReport.render(plan, r), settings));
    if (printSql && plan != null && r.error() == null) out.print(scrub(sql(plan, selection), settings));
    if (r.error() != null) err.println("purge: " + r.error().reason() + ": " + r.error().message());
    out.flush();
    err.flush();
    ResultOutput.write(resultFile, r, settings, err);
    return r.error() == null ? 0 : r.error().failureReason().exitCode();
  }

  /** The plan's statements, with the steps that depend on flags or on the catalog at run time named. */
  private String sql(PurgePlan plan, PurgeSelection selection) {
    String header = "-- SQL a purge of this plan runs (this dry run ran only the counts), after checking the"
        + " confirmation and taking its advisory lock\n"
        + (resetSequences ? "-- --reset-sequences: after the removal, alter sequence ... restart for each"
            + " sequence the purged tables own, past the largest value left in its column\n" : "")
        + (seedFiles.isEmpty() ? "" : "-- --seed-file: after the removal and before the key check, the seed's "
            + seedFiles.size() + " file(s) run in order (not shown)\n");
    return header + PurgeStatements.of(plan, strategy, selection == null ? PurgeSelection.all(plan) : selection,
        keyChecks).script(lockTimeout, statementTimeout);
  }

  private static PurgeResult scrub(PurgeResult r, ConnectionSettings settings) {
    if (settings == null || r.error() == null) return r;
    return r.withError(new PurgeResult.Failure(r.error().reason(), settings.scrub(r.error().message())));
  }

  private static String scrub(String text, ConnectionSettings settings) {
    return settings == null ? text : settings.scrub(text);
  }

  /**
   * Pool and driver chatter would bury the counts, and the failure is reported once, by us: the
   * short-lived purge process logs nothing (which also spares it logback's start-up time), unless
   * PURGE_LOG=debug asks for the SQL it runs.
   */
  static void quietLibraries() {
    if ("debug".equalsIgnoreCase(System.getenv("PURGE_LOG"))) {
      ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).setLevel(Level.WARN);
      ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger("io.datapurge")).setLevel(Level.DEBUG);
    } else if (System.getProperty("slf4j.provider") == null) {
      System.setProperty("slf4j.internal.verbosity", "WARN");
      System.setProperty("slf4j.provider", "org.slf4j.helpers.NOP_FallbackServiceProvider");
    }
  }
}
