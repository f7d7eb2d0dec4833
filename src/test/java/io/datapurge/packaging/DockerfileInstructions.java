package io.datapurge.packaging;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The instructions of a Dockerfile (continuations joined, comments dropped), enough to check what
 * the image runs without a container engine.
 */
record DockerfileInstructions(List<Instruction> all) {

  record Instruction(int stage, String keyword, String arguments) {

    /** The exec form of ENTRYPOINT, CMD or RUN: {@code ["java", "-jar", …]}. */
    List<String> execForm() {
      try {
        return new ObjectMapper().readValue(arguments, new TypeReference<List<String>>() {});
      } catch (IOException e) {
        throw new AssertionError(keyword + " is not in exec (JSON array) form: " + arguments, e);
      }
    }
  }

  static DockerfileInstructions parse(Path file) {
    List<String> lines;
    try {
      lines = Files.readAllLines(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    List<Instruction> out = new ArrayList<>();
    int stage = -1;
    StringBuilder current = new StringBuilder();
    for (String line : lines) {
      String trimmed = line.strip();
      if (trimmed.startsWith("#") || (trimmed.isEmpty() && current.isEmpty())) {
        continue;
      }
      boolean continues = trimmed.endsWith("\\");
      current.append(continues ? trimmed.substring(0, trimmed.length() - 1) : trimmed).append(' ');
      if (!continues) {
        String text = current.toString().strip().replaceAll("\\s+", " ");
        current.setLength(0);
        int space = text.indexOf(' ');
        String keyword = (space < 0 ? text : text.substring(0, space)).toUpperCase();
        if (keyword.equals("FROM")) {
          stage++;
        }
        out.add(new Instruction(stage, keyword, space < 0 ? "" : text.substring(space + 1)));
      }
    }
    return new DockerfileInstructions(out);
  }

  List<Instruction> of(String keyword) {
    return all.stream().filter(i -> i.keyword().equals(keyword)).toList();
  }

  /** The last instruction of that keyword in the final stage: the one that takes effect. */
  Instruction last(String keyword) {
    int finalStage = all.get(all.size() - 1).stage();
    List<Instruction> found = of(keyword).stream().filter(i -> i.stage() == finalStage).toList();
    if (found.isEmpty()) {
      throw new AssertionError("the final stage has no " + keyword);
    }
    return found.get(found.size() - 1);
  }
}
