package io.gaio.benchmarks.runner;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;

/** Facts about the machine that go into the report, read from /proc. */
final class Environment {
    private Environment() {
    }

    /** The 1-, 5- and 15-minute load averages, e.g. {@code 0.12 0.30 0.41}. */
    static String loadAverage() {
        String avg = read("/proc/loadavg");
        String[] f = avg.split(" ");
        return f.length >= 3 ? f[0] + " " + f[1] + " " + f[2] : avg;
    }

    /** The 1-minute load average, or 0 when unknown. */
    static double loadAverage1() {
        try {
            return Double.parseDouble(loadAverage().split(" ")[0]);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    static String describe() {
        String cpu = "unknown CPU";
        for (String line : read("/proc/cpuinfo").split("\n")) {
            if (line.startsWith("model name")) {
                cpu = line.substring(line.indexOf(':') + 1).trim();
                break;
            }
        }
        return String.format("%s, %d CPUs; Linux %s; %s", cpu, Runtime.getRuntime().availableProcessors(),
                read("/proc/sys/kernel/osrelease"), ZonedDateTime.now().format(DateTimeFormatter.RFC_1123_DATE_TIME));
    }

    private static String read(String file) {
        try {
            return Files.readString(Path.of(file)).trim();
        } catch (IOException e) {
            return "?";
        }
    }
}
