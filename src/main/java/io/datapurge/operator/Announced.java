package io.datapurge.operator;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Events and counts already announced: a reconcile on a status read from the cache before our last
 * write decides the same skip or the same finished run again; each is announced once. Remembers the
 * {@code capacity} most recently announced keys, so memory stays bounded on a long-running operator.
 */
final class Announced {
  private final Map<String, Boolean> seen;

  Announced(int capacity) {
    seen = new LinkedHashMap<>(64, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
        return size() > capacity;
      }
    };
  }

  /** True the first time {@code key} is seen (again after it was forgotten), false after. */
  synchronized boolean firstTime(String key) {
    return seen.put(key, Boolean.TRUE) == null;
  }
}
