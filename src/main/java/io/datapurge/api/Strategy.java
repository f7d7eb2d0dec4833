package io.datapurge.api;

/** How rows are removed; both leave the same end state. */
public enum Strategy {
  /** Row-by-row DELETE, children first: row locks, works beside live traffic, slower. */
  Delete,
  /** One TRUNCATE of every table in the plan: an ACCESS EXCLUSIVE lock, near-instant. */
  Truncate
}
