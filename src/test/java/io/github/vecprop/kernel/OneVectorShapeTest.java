package io.github.vecprop.kernel;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The kernels use one vector shape, the preferred species (package-info says why: a second shape pollutes
 * the Vector API's shared type profiles, and C2 then compiles other kernels with boxed vectors, in some JVM
 * runs only). The allocation tests catch the effect when the JIT happens to show it; this catches the cause
 * in the source on every run.
 */
class OneVectorShapeTest {
    /** Whatever names or makes a species or shape other than the preferred one. */
    private static final Pattern OTHER_SHAPE = Pattern.compile(
            "VectorShape|VectorSpecies\\s*\\.\\s*of|SPECIES_(64|128|256|512|MAX)\\b|(reinterpret|cast|convert|with)Shape\\s*\\(");

    @Test
    void kernelSourcesUseOnlyThePreferredSpecies() throws IOException {
        Path dir = Path.of("src/main/java/io/github/vecprop/kernel");
        assertTrue(Files.isDirectory(dir), "run from the project root: " + dir.toAbsolutePath());
        List<String> hits = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).sorted().toList()) {
                List<String> lines = Files.readAllLines(f);
                for (int i = 0; i < lines.size(); i++) {
                    if (offends(lines.get(i))) {
                        hits.add(f.getFileName() + ":" + (i + 1) + ": " + lines.get(i).trim());
                    }
                }
            }
        }
        assertEquals(List.of(), hits, "vector code outside the preferred species");
    }

    @Test
    void theCheckCatchesTheKernelThatBrokeCi() {
        // The lines of the removed 1.5-vector gemm kernel, and a comment that only talks about shapes.
        assertTrue(offends("    static final VectorSpecies<Float> HALF = VectorSpecies.of(float.class, VectorShape.forBitSize(256));"));
        assertTrue(offends("            c01 = ((FloatVector) x.reinterpretShape(HALF, 0)).fma(b1, c01);"));
        assertTrue(offends("        FloatVector h = FloatVector.zero(FloatVector.SPECIES_256);"));
        assertFalse(offends(" * a half-width species beside the preferred one (VectorShape) pollutes profiles"));
        assertFalse(offends("        FloatVector v = FloatVector.fromArray(S, x, i).reinterpretAsInts().reinterpretAsFloats();"));
    }

    /** Whether a line, outside comments, names another shape. */
    private static boolean offends(String line) {
        String code = line.trim();
        if (code.startsWith("*") || code.startsWith("/*") || code.startsWith("//")) {
            return false;
        }
        int comment = code.indexOf("//");
        return OTHER_SHAPE.matcher(comment < 0 ? code : code.substring(0, comment)).find();
    }
}
