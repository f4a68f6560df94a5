package io.gaio.unix;

import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.nio.channels.SocketChannel;

/**
 * The descriptor number inside a JDK {@link SocketChannel}, which the JDK keeps in the private field
 * {@code sun.nio.ch.SocketChannelImpl.fdVal}.
 *
 * <p>When the JVM opens {@code sun.nio.ch} to us, plain reflection reads it. Otherwise {@code sun.misc.Unsafe}
 * (module {@code jdk.unsupported}, open to everyone) does, with no flags on JDK 17 to 25; JDK 24 and later then print a
 * one-time warning about Unsafe, which the flag in {@link #ADD_OPENS} avoids. Both routes are resolved on first use,
 * so a program that never delegates a JDK channel never sees the warning.
 */
final class JdkChannelFd {
    /** The JVM option that gives plain reflective access, for the class path or for this module. */
    static final String ADD_OPENS = "--add-opens java.base/sun.nio.ch="
            + (JdkChannelFd.class.getModule().isNamed() ? JdkChannelFd.class.getModule().getName() : "ALL-UNNAMED");
    private static final String IMPL = "sun.nio.ch.SocketChannelImpl";

    private JdkChannelFd() {
    }

    /** The descriptor number of {@code channel}. */
    static int of(SocketChannel channel) throws IOException {
        // Unsafe reads at a fixed offset: make sure the object really has that field there.
        if (!channel.getClass().getName().equals(IMPL)) {
            throw new IOException("gaio's native transports take only the JDK's own SocketChannel (" + IMPL
                    + "), not a " + channel.getClass().getName());
        }
        if (Reader.READER == null) {
            throw new IOException("gaio cannot read the file descriptor of a java.nio SocketChannel on this JDK; "
                    + "start the JVM with " + ADD_OPENS, Reader.FAILURE);
        }
        try {
            return Reader.READER.fdOf(channel);
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IOException("could not read the file descriptor of " + channel + "; start the JVM with "
                    + ADD_OPENS, e);
        }
    }

    private interface FdReader {
        int fdOf(Object channel) throws ReflectiveOperationException;
    }

    /** Resolved on first use (class initialisation), once per JVM. */
    private static final class Reader {
        static final FdReader READER;
        static final Throwable FAILURE;

        static {
            FdReader reader = null;
            Throwable failure = null;
            try {
                reader = open();
            } catch (ReflectiveOperationException | RuntimeException e) {
                failure = e;
            }
            READER = reader;
            FAILURE = failure;
        }

        private static FdReader open() throws ReflectiveOperationException {
            Field fdVal = Class.forName(IMPL).getDeclaredField("fdVal");
            try {
                fdVal.setAccessible(true);
                return fdVal::getInt;
            } catch (RuntimeException notOpened) {
                // InaccessibleObjectException: sun.nio.ch is not opened to us. Unsafe reads the field anyway.
                Class<?> unsafeClass = Class.forName("sun.misc.Unsafe");
                Field theUnsafe = unsafeClass.getDeclaredField("theUnsafe");
                theUnsafe.setAccessible(true);
                Object unsafe = theUnsafe.get(null);
                long offset = (long) unsafeClass.getMethod("objectFieldOffset", Field.class).invoke(unsafe, fdVal);
                Method getInt = unsafeClass.getMethod("getInt", Object.class, long.class);
                return channel -> (int) getInt.invoke(unsafe, channel, offset);
            }
        }
    }
}
