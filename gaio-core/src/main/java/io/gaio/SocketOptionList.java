package io.gaio;

import io.gaio.spi.TransportSocket;
import java.io.IOException;
import java.net.SocketOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** Socket options to set on sockets the watcher creates or accepts, in the order they were given. */
final class SocketOptionList {
    private final List<SocketOption<?>> names = new ArrayList<>(2);
    private final List<Object> values = new ArrayList<>(2);

    SocketOptionList() {
    }

    SocketOptionList(SocketOptionList other) {
        names.addAll(other.names);
        values.addAll(other.values);
    }

    <T> void add(SocketOption<T> option, T value) {
        Objects.requireNonNull(option, "option");
        Objects.requireNonNull(value, "value");
        if (!option.type().isInstance(value)) {
            throw new IllegalArgumentException("socket option " + option.name() + " takes a " + option.type()
                    .getSimpleName() + ", got " + value.getClass().getSimpleName());
        }
        int i = names.indexOf(option);
        if (i >= 0) {
            values.set(i, value);
        } else {
            names.add(option);
            values.add(value);
        }
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    void applyTo(TransportSocket socket) throws IOException {
        for (int i = 0; i < names.size(); i++) {
            socket.setOption((SocketOption) names.get(i), values.get(i));
        }
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder("{");
        for (int i = 0; i < names.size(); i++) {
            b.append(i == 0 ? "" : ", ").append(names.get(i).name()).append('=').append(values.get(i));
        }
        return b.append('}').toString();
    }
}
