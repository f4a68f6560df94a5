package io.gaio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The connection table finds connections by identity, not equality, across resizes and removals. */
class ConnTableTest {

    /** Equal to every other key: a table that used equals() would mix them up. */
    private static final class AlwaysEqual {
        @Override
        public boolean equals(Object o) {
            return o instanceof AlwaysEqual;
        }

        @Override
        public int hashCode() {
            return 1;
        }
    }

    @Test
    void findsByIdentityAcrossResizes() {
        ConnTable table = new ConnTable();
        List<Object> keys = new ArrayList<>();
        List<Conn> conns = new ArrayList<>();
        for (int i = 0; i < 2_000; i++) {
            Object key = new AlwaysEqual();
            Conn conn = new Conn(null, key);
            table.put(conn);
            keys.add(key);
            conns.add(conn);
        }
        for (int i = 0; i < keys.size(); i++) {
            assertSame(conns.get(i), table.get(keys.get(i)));
        }
        for (int i = 0; i < keys.size(); i += 2) {
            table.remove(conns.get(i));
        }
        assertEquals(1_000, table.size());
        for (int i = 0; i < keys.size(); i++) {
            if (i % 2 == 0) {
                assertNull(table.get(keys.get(i)));
            } else {
                assertSame(conns.get(i), table.get(keys.get(i)));
            }
        }
        assertEquals(1_000, table.drain().length);
        assertEquals(0, table.size());
    }
}
