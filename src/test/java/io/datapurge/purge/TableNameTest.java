package io.datapurge.purge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TableNameTest {
  @Test
  void unquotedNamesFoldToLowerCaseLikeSql() {
    assertThat(TableName.parse("Auth_User")).isEqualTo(new TableName(null, "auth_user"));
    assertThat(TableName.parse("App.Users")).isEqualTo(new TableName("app", "users"));
  }

  @Test
  void quotedNamesAreTakenExactlyWithDoubledQuotesUndone() {
    assertThat(TableName.parse("app.\"Account\"")).isEqualTo(new TableName("app", "Account"));
    assertThat(TableName.parse("\"Weird \"\"Name\"\"; drop table x; --\""))
        .isEqualTo(new TableName(null, "Weird \"Name\"; drop table x; --"));
    assertThat(TableName.parse("\"a.b\".c")).isEqualTo(new TableName("a.b", "c"));
  }

  @Test
  void sqlQuotesEveryPartAndDoublesEmbeddedQuotes() {
    assertThat(new TableName("app", "Acc\"ount").sql()).isEqualTo("\"app\".\"Acc\"\"ount\"");
    assertThat(new TableName(null, "x; drop table y").sql()).isEqualTo("\"x; drop table y\"");
  }

  @Test
  void quotingAndParsingRoundTripForHostileNames() {
    for (String hostile : new String[] {"a\"b", "x; drop table y; --", "Mixed Case", "'", "\"\""}) {
      TableName name = new TableName("s\"1", hostile);
      assertThat(TableName.parse(name.sql())).isEqualTo(name);
    }
  }

  @ParameterizedTest(name = "refuses {0}")
  @ValueSource(strings = {"auth_user; drop table x", "a.b.c", "", "  ", "\"open", "a.", ".a", "\"\"", "a b",
      "x'--", "1table"})
  void malformedOrUnquotedHostileNamesAreUsageErrorsThatShowHowToQuote(String text) {
    assertThatThrownBy(() -> TableName.parse(text))
        .isInstanceOfSatisfying(PurgeException.class, e -> {
          assertThat(e.reason()).isEqualTo(FailureReason.Usage);
          assertThat(e.getMessage()).contains("schema.table");
        });
  }
}
