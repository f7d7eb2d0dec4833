package io.datapurge.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** The plan a user reviews and approves: its id changes with the generation and the plan's counts. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class PlanStatus {

  @JsonPropertyDescription("Identifies this plan: a hash of the resource's uid, the generation, the database and"
      + " the per-table counts. Approve exactly this plan with the annotation datapurge.io/approve: <id>"
      + " (kubectl purge approve NAME sets it).")
  private String id;

  @JsonPropertyDescription("The metadata.generation the plan was made for; a spec change makes it stale.")
  private Long generation;

  public PlanStatus() {}

  public PlanStatus(String id, Long generation) {
    this.id = id;
    this.generation = generation;
  }

  public String getId() {
    return id;
  }

  public void setId(String id) {
    this.id = id;
  }

  public Long getGeneration() {
    return generation;
  }

  public void setGeneration(Long generation) {
    this.generation = generation;
  }
}
