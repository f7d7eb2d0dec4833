package io.datapurge.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The committed CRDs are exactly what the model generates; run hack/update-crds.sh after a change. */
class CrdFilesTest {

  static final String NAME = "userdatapurges.datapurge.io-v1.yml";
  static final Path GENERATED = Path.of("target/classes/META-INF/fabric8", NAME);

  static final String SCHEDULE_NAME = "userdatapurgeschedules.datapurge.io-v1.yml";

  @ParameterizedTest
  @ValueSource(strings = {NAME, SCHEDULE_NAME})
  void committedCrdsEqualTheGeneratedOnes(String name) throws IOException {
    String generated = Files.readString(GENERATED.resolveSibling(name));
    List<Path> copies = new ArrayList<>(List.of(Path.of("crds", name)));
    Path chart = Path.of("charts/user-data-purge-operator/crds");
    if (Files.isDirectory(chart)) {
      copies.add(chart.resolve(name));
    }
    for (Path copy : copies) {
      assertThat(copy).as("%s exists (run hack/update-crds.sh)", copy).exists();
      assertThat(Files.readString(copy))
          .as("%s is stale: the model changed; run hack/update-crds.sh and commit the result", copy)
          .isEqualTo(generated);
    }
  }
}
