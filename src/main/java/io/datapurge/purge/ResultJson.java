package io.datapurge.purge;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The result as JSON of at most 4 KiB: the limit Kubernetes puts on a termination message. When the
 * table list does not fit, tables are dropped from the end (roots come first) and
 * {@code tablesOmitted} says how many; the totals still count every table.
 */
public final class ResultJson {
  public static final int MAX_BYTES = 4096;
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private ResultJson() {}

  public static String write(PurgeResult result) {
    PurgeResult r = result;
    if (r.error() != null && r.error().message() != null && r.error().message().length() > 1500) {
      r = r.withError(new PurgeResult.Failure(r.error().reason(), r.error().message().substring(0, 1500) + "…"));
    }
    if (r.seed() != null && r.seed().size() > 1 && bytes(json(r.withSeed(null))) + bytes(json(r.seed())) > MAX_BYTES) {
      // long seed file names (16 keys of up to 253 characters) must not push the counts out: keep the sum
      r = r.withSeed(List.of(new PurgeResult.SeedFile(r.seed().size() + " files",
          r.seed().stream().mapToInt(PurgeResult.SeedFile::statements).sum())));
    }
    String json = json(r);
    if (bytes(json) <= MAX_BYTES || r.tables() == null) return json;
    List<PurgeResult.TableCount> tables = new ArrayList<>(r.tables());
    int omitted = 0;
    while (!tables.isEmpty() && bytes(json) > MAX_BYTES) {
      int drop = Math.max(1, tables.size() / 8);
      for (int i = 0; i < drop && !tables.isEmpty(); i++) {
        tables.remove(tables.size() - 1);
        omitted++;
      }
      json = json(new PurgeResult(r.database(), r.strategy(), r.dryRun(), r.committed(), List.copyOf(tables),
          r.totals(), r.durationMs(), r.error(), r.runId(), omitted, r.auth0(), r.seed(), r.keyChecks()));
    }
    return json;
  }

  public static PurgeResult read(String json) {
    try {
      return MAPPER.readValue(json, PurgeResult.class);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("not a purge result: " + e.getOriginalMessage(), e);
    }
  }

  private static String json(Object r) {
    try {
      return MAPPER.writeValueAsString(r);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  private static int bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8).length;
  }
}
