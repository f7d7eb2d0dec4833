package io.datapurge.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** Sums over every table of the plan. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class Totals {

  @JsonPropertyDescription("Rows in all tables of the plan before the run.")
  private Long before;

  @JsonPropertyDescription("Rows in all tables of the plan after the run.")
  private Long after;

  @JsonPropertyDescription("Rows the seed (spec.seed) added to the purged tables; absent without a seed.")
  private Long seeded;

  @JsonPropertyDescription("Rows this run deleted from all tables of the plan (plan or dry run: would delete).")
  private Long deleted;

  public Totals() {}

  public Totals(Long before, Long after) {
    this.before = before;
    this.after = after;
  }

  public Totals(Long before, Long after, Long deleted) {
    this(before, after);
    this.deleted = deleted;
  }

  public Long getDeleted() {
    return deleted;
  }

  public void setDeleted(Long deleted) {
    this.deleted = deleted;
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
