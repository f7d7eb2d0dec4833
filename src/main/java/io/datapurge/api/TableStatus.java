package io.datapurge.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** Rows of one table of the plan, before and after the run. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class TableStatus {

  @JsonPropertyDescription("Schema-qualified table name, e.g. public.auth_user.")
  private String table;

  @JsonPropertyDescription("root (listed in spec.tables), dependent (references a purged table) or unlinked"
      + " (a SET NULL / SET DEFAULT reference: rows kept, link cleared).")
  private String role;

  @JsonPropertyDescription("Exact row count before the run.")
  private Long before;

  @JsonPropertyDescription("Exact row count after the run, at commit (equals before for a plan or dry run).")
  private Long after;

  @JsonPropertyDescription("Rows the seed (spec.seed) added to this table; absent without a seed.")
  private Long seeded;

  @JsonPropertyDescription("Rows this run deleted (for a plan or dry run: would delete); before - deleted = after."
      + " 0 for an unlinked table.")
  private Long deleted;

  @JsonPropertyDescription("How the rows went: truncate (only for a table emptied entirely) or delete; absent for"
      + " an unlinked table.")
  private String method;

  public TableStatus() {}

  public TableStatus(String table, String role, Long before, Long after) {
    this.table = table;
    this.role = role;
    this.before = before;
    this.after = after;
  }

  public TableStatus(String table, String role, Long before, Long after, Long deleted, String method) {
    this(table, role, before, after);
    this.deleted = deleted;
    this.method = method;
  }

  public Long getDeleted() {
    return deleted;
  }

  public void setDeleted(Long deleted) {
    this.deleted = deleted;
  }

  public String getMethod() {
    return method;
  }

  public void setMethod(String method) {
    this.method = method;
  }

  public String getTable() {
    return table;
  }

  public void setTable(String table) {
    this.table = table;
  }

  public String getRole() {
    return role;
  }

  public void setRole(String role) {
    this.role = role;
  }

  public Long getBefore() {
    return before;
  }

  public void setBefore(Long before) {
    this.before = before;
  }

  public Long getSeeded() {
    return seeded;
  }

  public void setSeeded(Long seeded) {
    this.seeded = seeded;
  }

  public Long getAfter() {
    return after;
  }

  public void setAfter(Long after) {
    this.after = after;
  }
}
