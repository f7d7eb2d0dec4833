package io.datapurge.api;

/**
 * How a DELETE purge has PostgreSQL check the foreign keys between the tables it purges. One type for
 * the resource (spec.foreignKeyChecks, {@code Batch} / {@code PerRow}) and the purge command
 * ({@code --fk-checks batch|per-row}, the result's {@code keyChecks.mode}).
 */
public enum ForeignKeyChecks {
  /**
   * Where it is safe, a key whose referencing and referenced tables the plan both purges is dropped
   * before the DELETEs and re-added, with its exact definition, after them in the same transaction:
   * PostgreSQL then checks it once over the rows left instead of once per deleted row. Every other key
   * stays in place and is checked per row.
   */
  Batch,
  /** Every key stays in place; PostgreSQL checks each deleted row against it. */
  PerRow;

  /** The spelling on the command line and in the JSON result: {@code batch}, {@code per-row}. */
  public String label() {
    return this == Batch ? "batch" : "per-row";
  }

  /** The value of a label, or null. */
  public static ForeignKeyChecks ofLabel(String label) {
    for (ForeignKeyChecks c : values()) if (c.label().equals(label)) return c;
    return null;
  }
}
