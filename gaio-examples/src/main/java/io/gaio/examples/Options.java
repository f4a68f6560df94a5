package io.gaio.examples;

import io.gaio.Watcher;
import java.util.HashMap;
import java.util.Map;

/** Command-line options of the examples: {@code --name value} pairs. */
final class Options {
    private final Map<String, String> values;

    private Options(Map<String, String> values) {
        this.values = values;
    }

    static Options parse(String[] args) {
        Map<String, String> values = new HashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 == args.length) {
                throw new IllegalArgumentException("expected --name value pairs, got: " + String.join(" ", args));
            }
            values.put(args[i].substring(2), args[++i]);
        }
        return new Options(values);
    }

    int intValue(String name, int defaultValue) {
        String v = values.get(name);
        return v == null ? defaultValue : Integer.parseInt(v);
    }

    String value(String name, String defaultValue) {
        return values.getOrDefault(name, defaultValue);
    }

    /** A watcher on {@code --transport}, else on {@code -Dgaio.transport}, else on the best available transport. */
    Watcher newWatcher() {
        return newWatcherBuilder().build();
    }

    /** {@link #newWatcher()}'s builder, for more settings. */
    Watcher.Builder newWatcherBuilder() {
        String transport = values.get("transport");
        return transport == null ? Watcher.builder() : Watcher.builder().transport(transport);
    }
}
