package io.datapurge.api;

import com.fasterxml.jackson.annotation.JsonClassDescription;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** What the operator observed: the phase of the current run and the counts it produced. */
@JsonClassDescription("What the operator observed: the phase of the current run, its Job, the row counts"
    + " before and after, and Ready/Reconciling/Stalled conditions. Written only by the operator.")
@JsonInclude(JsonInclude.Include.NON_NULL)
// A CRD newer than this operator may carry fields it does not know (an upgrade applies the CRD first).
@JsonIgnoreProperties(ignoreUnknown = true)
public class UserDataPurgeStatus {

  @JsonPropertyDescription("Pending, Planning, AwaitingConfirmation, Running, Succeeded, Failed or Blocked.")
  private Phase phase;

  @JsonPropertyDescription("The metadata.generation this status describes.")
  private Long observedGeneration;

  @JsonPropertyDescription("Name of the Job that ran (or runs) the plan or the purge.")
  private String jobName;

  @JsonPropertyDescription("When the Job started (RFC 3339).")
  private String startTime;

  @JsonPropertyDescription("When the Job finished (RFC 3339).")
  private String completionTime;

  @JsonPropertyDescription("Database the counts come from (the server's current_database()).")
  private String database;

  @JsonPropertyDescription("True when the counts come from a plan or dry run: nothing was deleted.")
  private Boolean dryRun;

  @JsonPropertyDescription("CamelCase reason of the last failure or refusal, e.g. LockTimeout, SecretNotFound.")
  private String reason;

  @JsonPropertyDescription("A sentence saying what happened and what to do next.")
  private String message;

  @JsonPropertyDescription("Per-table row counts before and after the run.")
  private List<TableStatus> tables = new ArrayList<>();

  @JsonPropertyDescription("Row counts summed over every table.")
  private Totals totals;

  @JsonPropertyDescription("Statements in the spec.seed files (a plan or dry run parses them, never runs them).")
  private Integer seedStatements;

  @JsonPropertyDescription("How the foreign keys between purged tables were checked (plan or dry run: would be).")
  private KeyChecksStatus keyChecks;

  @JsonPropertyDescription("Auth0 users before and after the run, when spec.auth0 is set.")
  private Auth0Status auth0;

  @JsonPropertyDescription("Ready, Reconciling and Stalled conditions (kstatus conventions).")
  private List<Condition> conditions = new ArrayList<>();

  @JsonPropertyDescription("The plan awaiting approval (and, once approved, the plan being purged).")
  private PlanStatus plan;

  @JsonPropertyDescription("The approval through the annotation datapurge.io/approve, once the operator accepted it.")
  private ApprovalStatus approval;

  public Phase getPhase() {
    return phase;
  }

  public void setPhase(Phase phase) {
    this.phase = phase;
  }

  public Long getObservedGeneration() {
    return observedGeneration;
  }

  public void setObservedGeneration(Long observedGeneration) {
    this.observedGeneration = observedGeneration;
  }

  public String getJobName() {
    return jobName;
  }

  public void setJobName(String jobName) {
    this.jobName = jobName;
  }

  public String getStartTime() {
    return startTime;
  }

  public void setStartTime(String startTime) {
    this.startTime = startTime;
  }

  public String getCompletionTime() {
    return completionTime;
  }

  public void setCompletionTime(String completionTime) {
    this.completionTime = completionTime;
  }

  public String getDatabase() {
    return database;
  }

  public void setDatabase(String database) {
    this.database = database;
  }

  public Boolean getDryRun() {
    return dryRun;
  }

  public void setDryRun(Boolean dryRun) {
    this.dryRun = dryRun;
  }

  public String getReason() {
    return reason;
  }

  public void setReason(String reason) {
    this.reason = reason;
  }

  public String getMessage() {
    return message;
  }

  public void setMessage(String message) {
    this.message = message;
  }

  public List<TableStatus> getTables() {
    return tables;
  }

  public void setTables(List<TableStatus> tables) {
    this.tables = tables;
  }

  public Totals getTotals() {
    return totals;
  }

  public void setTotals(Totals totals) {
    this.totals = totals;
  }

  public Integer getSeedStatements() {
    return seedStatements;
  }

  public void setSeedStatements(Integer seedStatements) {
    this.seedStatements = seedStatements;
  }

  public KeyChecksStatus getKeyChecks() {
    return keyChecks;
  }

  public void setKeyChecks(KeyChecksStatus keyChecks) {
    this.keyChecks = keyChecks;
  }

  public Auth0Status getAuth0() {
    return auth0;
  }

  public void setAuth0(Auth0Status auth0) {
    this.auth0 = auth0;
  }

  public List<Condition> getConditions() {
    return conditions;
  }

  public void setConditions(List<Condition> conditions) {
    this.conditions = conditions;
  }

  public PlanStatus getPlan() {
    return plan;
  }

  public void setPlan(PlanStatus plan) {
    this.plan = plan;
  }

  public ApprovalStatus getApproval() {
    return approval;
  }

  public void setApproval(ApprovalStatus approval) {
    this.approval = approval;
  }

  public Condition condition(String type) {
    return conditions == null ? null
        : conditions.stream().filter(c -> Objects.equals(c.getType(), type)).findFirst().orElse(null);
  }
}
