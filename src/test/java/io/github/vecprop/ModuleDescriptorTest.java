package io.github.vecprop;

import io.github.vecprop.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.lang.module.ModuleDescriptor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The library is a named module that needs only the JDK (picocli is static, for the CLI) and exports the public packages only. */
class ModuleDescriptorTest {
    @Test
    void theModuleExportsTheLibraryAndRequiresOnlyTheJdk() throws Exception {
        Path classes = Path.of(Tensor.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        ModuleDescriptor d;
        try (InputStream in = Files.newInputStream(classes.resolve("module-info.class"))) {
            d = ModuleDescriptor.read(in);
        }
        assertEquals("io.github.vecprop", d.name());
        assertEquals(Set.of("tensor", "kernel", "layer", "net", "optim", "train", "io").stream()
                        .map(p -> "io.github.vecprop." + p).collect(Collectors.toSet()),
                d.exports().stream().map(ModuleDescriptor.Exports::source).collect(Collectors.toSet()));
        assertEquals(Set.of("java.base", "jdk.incubator.vector", "java.management", "jdk.management"),
                d.requires().stream().filter(r -> !r.modifiers().contains(ModuleDescriptor.Requires.Modifier.STATIC))
                        .map(ModuleDescriptor.Requires::name).collect(Collectors.toSet()));
        assertEquals(Set.of("info.picocli"),
                d.requires().stream().filter(r -> r.modifiers().contains(ModuleDescriptor.Requires.Modifier.STATIC))
                        .map(ModuleDescriptor.Requires::name).collect(Collectors.toSet()));
    }
}
