package io.datapurge.purge;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * A table name as the user typed it ({@code auth_user}, {@code app.users}, {@code "Odd ""Name"""})
 * or as the catalog holds it. Unquoted parts fold to lower case as in SQL; quoted parts are exact.
 * Anything else is refused, so a hostile string never reaches SQL: names are resolved through
 * bound parameters and always written back quoted.
 */
public record TableName(String schema, String name) {

  public TableName {
    Objects.requireNonNull(name);
  }

  /** Parses {@code table} or {@code schema.table}; throws {@link PurgeException} (Usage) otherwise. */
  public static TableName parse(String text) {
    List<String> parts = new ArrayList<>();
    int i = 0;
    String s = text == null ? "" : text.strip();
    while (true) {
      if (i >= s.length()) throw invalid(text, "a name part is missing");
      StringBuilder part = new StringBuilder();
      if (s.charAt(i) == '"') {
        i++;
        while (true) {
          if (i >= s.length()) throw invalid(text, "a double quote is not closed");
          char c = s.charAt(i++);
          if (c == '"') {
            if (i < s.length() && s.charAt(i) == '"') {
              part.append('"');
              i++;
            } else {
              break;
            }
          } else {
            part.append(c);
          }
        }
        if (part.length() == 0) throw invalid(text, "a quoted name is empty");
      } else {
        int start = i;
        while (i < s.length() && isPlain(s.charAt(i), i == start)) i++;
        if (i == start) throw invalid(text, "it contains characters that need double quotes");
        part.append(s.substring(start, i).toLowerCase(Locale.ROOT));
      }
      if (part.toString().indexOf('\0') >= 0) throw invalid(text, "it contains a NUL character");
      parts.add(part.toString());
      if (i == s.length()) break;
      if (s.charAt(i) != '.') throw invalid(text, "it contains characters that need double quotes");
      i++;
    }
    if (parts.size() > 2) throw invalid(text, "use table or schema.table");
    return parts.size() == 1 ? new TableName(null, parts.get(0)) : new TableName(parts.get(0), parts.get(1));
  }

  private static boolean isPlain(char c, boolean first) {
    boolean letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    return first ? letter : letter || (c >= '0' && c <= '9') || c == '$';
  }

  private static PurgeException invalid(String text, String why) {
    return new PurgeException(FailureReason.Usage,
        "'" + text + "' is not a valid table name: " + why
            + ". Write table or schema.table; double-quote names with other characters, e.g. '\"My Table\"'.");
  }

  /** Quotes one identifier the way quote_ident / format('%I') does, but always. */
  public static String quote(String identifier) {
    return '"' + identifier.replace("\"", "\"\"") + '"';
  }

  /** The name as SQL, every part quoted. */
  public String sql() {
    return schema == null ? quote(name) : quote(schema) + "." + quote(name);
  }

  /** The name as people read it in the plan and the result: {@code public.auth_user}. */
  @Override
  public String toString() {
    return schema == null ? name : schema + "." + name;
  }
}
