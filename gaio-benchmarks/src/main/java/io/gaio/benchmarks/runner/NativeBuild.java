package io.gaio.benchmarks.runner;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Compiles the C programs (the load generator and the C echo server) with {@code gcc -O2} at run time. Their sources
 * travel in the jar under {@code /c/}, so the runner works from the jar alone; binaries go to {@code <out>/bin}.
 */
final class NativeBuild {
    private NativeBuild() {
    }

    /**
     * Builds one program from {@code /c/<name>.c} unless an up-to-date binary exists.
     *
     * @param libraries linker flags after the source, e.g. {@code -lssl}
     * @return the binary
     */
    static Path compile(String name, Path outDir, String... libraries) throws IOException, InterruptedException {
        Path src = outDir.resolve("c").resolve(name + ".c");
        Path bin = outDir.resolve("bin").resolve(name);
        Files.createDirectories(src.getParent());
        Files.createDirectories(bin.getParent());
        try (InputStream in = NativeBuild.class.getResourceAsStream("/c/" + name + ".c")) {
            if (in == null) {
                throw new IOException("/c/" + name + ".c is not on the class path; build the module first");
            }
            byte[] source = in.readAllBytes();
            if (Files.exists(bin) && Files.exists(src) && Arrays.equals(source, Files.readAllBytes(src))) {
                return bin;
            }
            Files.write(src, source);
        }
        Path log = outDir.resolve("bin").resolve(name + ".gcc.log");
        List<String> command = new ArrayList<>(List.of("gcc", "-O2", "-Wall", "-o", bin.toString(), src.toString()));
        command.addAll(List.of(libraries));
        Process gcc = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (gcc.waitFor() != 0) {
            Files.deleteIfExists(bin);
            throw new IOException("gcc failed on " + src + ":\n" + Files.readString(log));
        }
        return bin;
    }
}
