package io.datapurge.api;

import com.fasterxml.jackson.annotation.JsonClassDescription;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What to purge, how, and whether the user has confirmed it. */
@JsonClassDescription("What to purge: the database and its credentials, the root tables (and, by default,"
    + " every table that references them), the strategy, and the confirmation that lets it run.")
@ValidationRule(
    value = "!has(self.keep) || self.keep.all(k, !(k in self.tables))",
    message = "a table cannot be listed in both spec.tables and spec.keep; remove it from one of them",
    reason = "FieldValueInvalid")
@ValidationRule(
    value = "!has(self.where) || self.where.all(k, k in self.tables)",
    // the first offending key only: joining all of them costs more than the API server's CEL budget allows
    messageExpression = "'spec.where names ' + self.where.filter(k, !(k in self.tables))[0]"
        + " + ', which is not in spec.tables: a predicate chooses the rows of a root table; add it to spec.tables"
        + " (written the same way) or remove it from spec.where'",
    reason = "FieldValueInvalid")
@ValidationRule(
    value = "!has(self.where) || size(self.where) == 0 || !has(self.auth0) || has(self.auth0.userIdColumn)"
        + " || has(self.auth0.emailColumn)",
    message = "spec.where keeps some rows, so only the Auth0 users of the purged rows may be deleted: set"
        + " spec.auth0.userIdColumn (the column holding the Auth0 user_id) or spec.auth0.emailColumn",
    reason = "FieldValueRequired")
public class UserDataPurgeSpec {

  /** A table, optionally schema-qualified; PostgreSQL identifiers up to 63 characters. */
  public static final String TABLE =
      "^([A-Za-z_][A-Za-z0-9_$]{0,62}\\.)?[A-Za-z_][A-Za-z0-9_$]{0,62}$";
  public static final String DATABASE_NAME = "^[A-Za-z_][A-Za-z0-9_$-]{0,62}$";
  public static final String DNS_SUBDOMAIN = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$";
  public static final String SECRET_KEY = "^[-._a-zA-Z0-9]+$";

  @Required
  @JsonPropertyDescription("The database server, database and credentials.")
  private DatabaseSpec database;

  @Required
  @Size(min = 1, max = 64)
  @ValidationRule(value = "size(self) > 0", message = "spec.tables must name at least one table to purge")
  @JsonPropertyDescription("Root tables whose rows are deleted, optionally schema-qualified (app.users);"
      + " e.g. auth_user. Tables that reference them by foreign key are purged too (see includeDependents).")
  private List<@Pattern(TABLE) @Size(max = 127) String> tables = new ArrayList<>();

  @Size(max = 64)
  @JsonPropertyDescription("Purge only some rows of a root: a map from a table as written in spec.tables to a SQL"
      + " boolean expression over its columns, e.g. {auth_user: \"NOT (is_staff OR is_superuser)\"} or"
      + " {auth_user: \"id = 4711\"}. Rows that reference a purged row go too, through every followed foreign key;"
      + " a kept row that references a purged row fails the plan (PlanInvalid). Roots not named here lose every row."
      + " The predicate runs with the purge role's privileges; see docs/purge-command.md.")
  private Map<String, @Size(min = 1, max = 4096) String> where = new LinkedHashMap<>();

  @Default("true")
  @JsonPropertyDescription("Follow foreign keys and purge every table that references a purged table"
      + " (NO ACTION / RESTRICT / CASCADE). SET NULL / SET DEFAULT references keep their rows.")
  private Boolean includeDependents = true;

  @Size(max = 64)
  @JsonPropertyDescription("Tables that must never be purged; if the plan needs one of them, the run fails"
      + " with PlanInvalid and nothing is deleted.")
  private List<@Pattern(TABLE) @Size(max = 127) String> keep = new ArrayList<>();

  @Default("Delete")
  @JsonPropertyDescription("Delete: row-by-row DELETE, children first (row locks). Truncate: one TRUNCATE of"
      + " every table in the plan (ACCESS EXCLUSIVE lock, fastest). Same end state.")
  private Strategy strategy = Strategy.Delete;

  @Default("Batch")
  @JsonPropertyDescription("Batch: a foreign key between two purged tables is dropped before the deletes and"
      + " re-added (with its exact definition) after them, in the same transaction, so PostgreSQL checks it once"
      + " instead of per deleted row; only where that is safe (status.keyChecks says which keys stayed and why)."
      + " PerRow: every key stays in place. Same end state.")
  private ForeignKeyChecks foreignKeyChecks = ForeignKeyChecks.Batch;

  @Pattern(DATABASE_NAME)
  @JsonPropertyDescription("Set to the database name (spec.database.name) to purge. Absent: the operator only"
      + " plans and waits in AwaitingConfirmation showing what would be deleted.")
  private String confirm;

  @Default("false")
  @JsonPropertyDescription("Only count what would be deleted, even when confirmed; the run ends Succeeded"
      + " with the counts and nothing deleted.")
  private Boolean dryRun = false;

  @Size(max = 63)
  @JsonPropertyDescription("Free-form run label; change it (or anything else in spec) to run the purge again.")
  private String runId;

  @Size(max = 16)
  @JsonPropertyDescription("SQL run after the delete, in the purge's transaction and with the purge's database role,"
      + " in order: ConfigMap keys holding plain SQL or pg_dump --data-only output. Seeded rows are counted"
      + " (status.tables[].seeded); a failing statement rolls everything back. A plan or dry run only counts the"
      + " statements. A missing ConfigMap or key shows as reason ConfigMapNotFound until it exists.")
  private List<SeedSource> seed = new ArrayList<>();

  @Default("false")
  @JsonPropertyDescription("Restart the sequences the purged tables own before the seed (past the largest value"
      + " left in their column, their start when it is empty), so seeded ids are predictable.")
  private Boolean resetSequences = false;

  @JsonPropertyDescription("Also delete the users of this Auth0 tenant once the database purge has committed"
      + " (dryRun and plans only count them). See docs/auth0.md.")
  private Auth0Spec auth0;

  public DatabaseSpec getDatabase() {
    return database;
  }

  public void setDatabase(DatabaseSpec database) {
    this.database = database;
  }

  public List<String> getTables() {
    return tables;
  }

  public void setTables(List<String> tables) {
    this.tables = tables;
  }

  public Map<String, String> getWhere() {
    return where;
  }

  public void setWhere(Map<String, String> where) {
    this.where = where;
  }

  public Boolean getIncludeDependents() {
    return includeDependents;
  }

  public void setIncludeDependents(Boolean includeDependents) {
    this.includeDependents = includeDependents;
  }

  public List<String> getKeep() {
    return keep;
  }

  public void setKeep(List<String> keep) {
    this.keep = keep;
  }

  public ForeignKeyChecks getForeignKeyChecks() {
    return foreignKeyChecks;
  }

  public void setForeignKeyChecks(ForeignKeyChecks foreignKeyChecks) {
    this.foreignKeyChecks = foreignKeyChecks;
  }

  public Strategy getStrategy() {
    return strategy;
  }

  public void setStrategy(Strategy strategy) {
    this.strategy = strategy;
  }

  public String getConfirm() {
    return confirm;
  }

  public void setConfirm(String confirm) {
    this.confirm = confirm;
  }

  public Boolean getDryRun() {
    return dryRun;
  }

  public void setDryRun(Boolean dryRun) {
    this.dryRun = dryRun;
  }

  public String getRunId() {
    return runId;
  }

  public void setRunId(String runId) {
    this.runId = runId;
  }

  public List<SeedSource> getSeed() {
    return seed;
  }

  public void setSeed(List<SeedSource> seed) {
    this.seed = seed;
  }

  public Boolean getResetSequences() {
    return resetSequences;
  }

  public void setResetSequences(Boolean resetSequences) {
    this.resetSequences = resetSequences;
  }

  public Auth0Spec getAuth0() {
    return auth0;
  }

  public void setAuth0(Auth0Spec auth0) {
    this.auth0 = auth0;
  }
}
