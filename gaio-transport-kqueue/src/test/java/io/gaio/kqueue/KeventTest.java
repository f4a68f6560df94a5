package io.gaio.kqueue;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.reflect.Field;
import org.junit.jupiter.api.Test;

/**
 * gaio's kevent constants against the values Netty's native library reports, wherever kqueue runs (Netty keeps its
 * own package-private: reflection reads them on the class path).
 */
class KeventTest {

    @Test
    void constantsMatchNettysNativeValues() throws Exception {
        KQueueAssume.kqueueRuns();
        Class<?> nettyNative = Class.forName("io.netty.channel.kqueue.Native");
        for (Field ours : Kevent.class.getDeclaredFields()) {
            if (ours.getType() == short.class) {
                Field theirs = nettyNative.getDeclaredField(ours.getName());
                theirs.setAccessible(true);
                assertEquals(((Number) theirs.get(null)).intValue(), ours.getShort(null), ours.getName());
            }
        }
    }
}
