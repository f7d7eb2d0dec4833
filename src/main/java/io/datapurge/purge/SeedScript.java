package io.datapurge.purge;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One {@code --seed-file}, split into the statements the purge runs after the delete: plain SQL, or
 * what {@code pg_dump --data-only} writes (INSERTs, {@code COPY … FROM stdin} with its data lines up
 * to {@code \.}, SET lines, {@code set_config}/{@code setval} calls, psql meta-commands such as
 * {@code \restrict}). Splitting follows PostgreSQL's lexical rules for what can hide a semicolon:
 * single-quoted strings ({@code ''} and, in {@code E'…'}, backslash escapes), quoted identifiers,
 * dollar quotes ({@code $tag$ … $tag$}), line comments and nested block comments. It assumes
 * {@code standard_conforming_strings = on} (PostgreSQL's default and what pg_dump sets).
 *
 * <p>No library fits: a general SQL parser knows neither COPY data nor psql meta-commands, and
 * PgJDBC's splitter is internal. Parsing is pure and happens before the database is touched, so a
 * dry run counts the statements and a malformed file is a {@code Usage} error that deletes nothing.
 *
 * <p>Refused at parse time, because they would break the purge's one transaction or its role:
 * transaction control (BEGIN, COMMIT, ROLLBACK, SAVEPOINT …), SET ROLE / SET SESSION AUTHORIZATION,
 * and psql meta-commands other than the harmless ones below.
 */
public record SeedScript(String file, List<SeedScript.Statement> statements) {

  /**
   * One statement: its number in the file (from 1), the line it starts on, its SQL without the
   * final semicolon, and for {@code COPY … FROM stdin} the data that follows it (null otherwise).
   */
  public record Statement(int number, int line, String sql, String copyData) {
    public boolean copy() {
      return copyData != null;
    }

    /**
     * False for a SET of a timeout the purge owns (a dump sets them to 0): {@code --lock-timeout} and
     * {@code --statement-timeout} keep holding while the seed runs. Such a statement is counted, not run.
     */
    public boolean runs() {
      return !PURGE_SETTING.matcher(sql).lookingAt();
    }
  }

  /** psql meta-commands that change nothing in the database and are skipped (pg_dump 15.14+ writes \restrict). */
  static final Set<String> SKIPPED_META = Set.of("restrict", "unrestrict", "set", "unset", "echo", "qecho",
      "timing", "pset");

  private static final Pattern PURGE_SETTING = Pattern.compile(
      "(?i)set\\s+(session\\s+|local\\s+)?(statement_timeout|lock_timeout|idle_in_transaction_session_timeout"
          + "|transaction_timeout)\\b");
  private static final Pattern COPY_FROM_STDIN = Pattern.compile("(?is)copy\\s.*\\sfrom\\s+stdin\\b.*");
  private static final Pattern REFUSED = Pattern.compile(
      "(?is)(begin|start\\s+transaction|commit|end|rollback|abort|savepoint|release|prepare\\s+transaction"
          + "|set\\s+(session\\s+|local\\s+)?(role|session\\s+authorization)|reset\\s+(role|session\\s+authorization))\\b.*");
  private static final Pattern DOLLAR_TAG = Pattern.compile("\\$([A-Za-z_\\u0080-\\uffff][A-Za-z0-9_\\u0080-\\uffff]*)?\\$");

  public SeedScript {
    statements = List.copyOf(statements);
  }

  /** Reads and splits a seed file; an unreadable or malformed file is a {@code Usage} error. */
  public static SeedScript read(Path path) {
    String text;
    try {
      text = Files.readString(path, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new PurgeException(FailureReason.Usage, "Cannot read --seed-file " + path + " (" + e.getMessage()
          + "): check the path (in a Job: spec.seed's ConfigMap and key).");
    }
    return parse(path.toString(), text);
  }

  public static SeedScript parse(String file, String text) {
    return new Splitter(file, text).split();
  }

  /** Statements in the file, the skipped SET lines included: what a dry run reports. */
  public int size() {
    return statements.size();
  }

  /** A character scanner over the file; one instance per split. */
  private static final class Splitter {
    private final String file;
    private final String text;
    private final List<Statement> out = new ArrayList<>();
    private final StringBuilder current = new StringBuilder();
    private int pos;
    private int line = 1;
    private int startLine;

    Splitter(String file, String text) {
      this.file = file;
      // a byte-order mark at the start is not SQL
      this.text = text.startsWith("\uFEFF") ? text.substring(1) : text;
    }

    SeedScript split() {
      while (pos < text.length()) {
        char c = text.charAt(pos);
        boolean blank = current.toString().isBlank();
        if (blank && c == '\\') {
          metaCommand();
        } else if (c == '-' && peek(1) == '-') {
          skipTo('\n', false);
        } else if (c == '/' && peek(1) == '*') {
          blockComment();
          if (!blank) current.append(' ');
        } else if (c == '\'') {
          literal('\'', isEscapeString());
        } else if (c == '"') {
          literal('"', false);
        } else if (c == '$' && dollarQuote()) {
          // appended by dollarQuote
        } else if (c == ';') {
          pos++;
          end();
        } else {
          if (blank && !Character.isWhitespace(c)) {
            current.setLength(0);
            startLine = line;
          }
          append(c);
          pos++;
        }
      }
      end();
      return new SeedScript(file, out);
    }

    private void end() {
      String sql = current.toString().strip();
      current.setLength(0);
      if (sql.isEmpty()) return;
      int number = out.size() + 1;
      if (REFUSED.matcher(sql).matches()) {
        throw error(startLine, "statement " + number + " (" + firstWord(sql) + ") is not allowed in a seed: it runs"
            + " inside the purge's one transaction, with the purge's role. Remove it");
      }
      String data = null;
      if (COPY_FROM_STDIN.matcher(sql).matches()) data = copyData(number);
      out.add(new Statement(number, startLine, sql, data));
    }

    /** The lines after a COPY … FROM stdin up to the line {@code \.}, as psql reads them. */
    private String copyData(int number) {
      skipTo('\n', true); // the rest of the COPY line
      StringBuilder data = new StringBuilder();
      int copyLine = startLine;
      while (pos < text.length()) {
        int eol = text.indexOf('\n', pos);
        String row = eol < 0 ? text.substring(pos) : text.substring(pos, eol);
        pos = eol < 0 ? text.length() : eol + 1;
        line++;
        if (row.equals("\\.") || row.equals("\\.\r")) return data.toString();
        data.append(row).append('\n');
      }
      throw error(copyLine, "the data of COPY statement " + number + " does not end with a line \\.");
    }

    private void metaCommand() {
      int metaLine = line;
      int eol = text.indexOf('\n', pos);
      String command = (eol < 0 ? text.substring(pos) : text.substring(pos, eol)).strip();
      skipTo('\n', true);
      Matcher m = Pattern.compile("\\\\([A-Za-z!?]*)").matcher(command);
      String name = m.lookingAt() ? m.group(1).toLowerCase(Locale.ROOT) : "";
      if (!SKIPPED_META.contains(name)) {
        throw error(metaLine, "the psql meta-command \\" + name + " cannot run in a seed (only SQL and "
            + String.join(", ", SKIPPED_META.stream().sorted().map(s -> "\\" + s).toList())
            + ", which are skipped). Remove it");
      }
    }

    private void literal(char quote, boolean backslashEscapes) {
      int from = pos;
      int fromLine = line;
      if (current.toString().isBlank()) {
        current.setLength(0);
        startLine = line;
      }
      append(text.charAt(pos++));
      while (pos < text.length()) {
        char c = text.charAt(pos);
        if (backslashEscapes && c == '\\' && pos + 1 < text.length()) {
          append(c);
          append(text.charAt(pos + 1));
          pos += 2;
          continue;
        }
        append(c);
        pos++;
        if (c == quote) {
          if (peek(0) == quote) { // doubled: an escaped quote
            append(quote);
            pos++;
          } else {
            return;
          }
        }
      }
      throw error(fromLine, (quote == '"' ? "a quoted identifier" : "a string") + " starting "
          + text.substring(from, Math.min(text.length(), from + 20)).replace('\n', ' ') + "… is never closed");
    }

    /** {@code E'…'}: the quote follows an E that is not the end of a longer identifier. */
    private boolean isEscapeString() {
      if (pos == 0 || Character.toLowerCase(text.charAt(pos - 1)) != 'e') return false;
      return pos == 1 || !isIdentifierChar(text.charAt(pos - 2));
    }

    private boolean dollarQuote() {
      if (pos > 0 && isIdentifierChar(text.charAt(pos - 1))) return false; // part of an identifier like a$b
      Matcher m = DOLLAR_TAG.matcher(text).region(pos, text.length());
      if (!m.lookingAt()) return false;
      String tag = m.group();
      int close = text.indexOf(tag, pos + tag.length());
      if (close < 0) throw error(line, "the dollar quote " + tag + " is never closed");
      if (current.toString().isBlank()) {
        current.setLength(0);
        startLine = line;
      }
      int endPos = close + tag.length();
      for (int i = pos; i < endPos; i++) append(text.charAt(i));
      pos = endPos;
      return true;
    }

    private void blockComment() {
      int fromLine = line;
      int depth = 0;
      while (pos < text.length()) {
        if (text.startsWith("/*", pos)) {
          depth++;
          pos += 2;
        } else if (text.startsWith("*/", pos)) {
          depth--;
          pos += 2;
          if (depth == 0) return;
        } else {
          if (text.charAt(pos) == '\n') line++;
          pos++;
        }
      }
      throw error(fromLine, "a /* comment is never closed");
    }

    /** Skips to the end of the line; the newline itself is consumed when {@code consume}, else kept as text. */
    private void skipTo(char stop, boolean consume) {
      while (pos < text.length() && text.charAt(pos) != stop) pos++;
      if (consume && pos < text.length()) {
        pos++;
        line++;
      }
    }

    private void append(char c) {
      if (c == '\n') line++;
      current.append(c);
    }

    private char peek(int ahead) {
      return pos + ahead < text.length() ? text.charAt(pos + ahead) : '\0';
    }

    private PurgeException error(int at, String what) {
      return new PurgeException(FailureReason.Usage, "Seed file " + file + ", line " + at + ": " + what + ".");
    }

    private static boolean isIdentifierChar(char c) {
      return Character.isLetterOrDigit(c) || c == '_' || c == '$';
    }

    private static String firstWord(String sql) {
      String[] words = sql.split("\\s+", 3);
      return (words.length > 1 && words[0].equalsIgnoreCase("set") ? words[0] + " " + words[1] : words[0])
          .toUpperCase(Locale.ROOT);
    }
  }
}
