package io.gaio.examples;

import io.gaio.TransportStatus;
import io.gaio.TransportUnavailableException;
import io.gaio.Transports;
import java.util.Arrays;

/**
 * Runs one of gaio's examples: {@code java -jar gaio-examples.jar COMMAND [options]}.
 * <ul>
 *   <li>{@code echo-server --port 9000 [--transport epoll|nio|io_uring] [--buffer N] [--collect waitio|loop]
 *       [--tls-cert FILE --tls-key FILE]}: echoes every connection ({@code --buffer 0}, the default, reads into the
 *       swap buffer; {@code --collect loop} echoes on the event loop through a completion handler instead of a
 *       {@code waitIO()} thread; with a PEM certificate and key it serves TLS on the same port).</li>
 *   <li>{@code push-server --port 9000 [--transport T]}: pushes a line a second to every connection.</li>
 *   <li>{@code relay --port 9001 --to HOST:PORT [--transport T]}: a TCP proxy that reads from one side only as fast
 *       as the other side accepts the writes, and passes a half-close through either way.</li>
 *   <li>{@code demo [--connections 8192] [--size 1024] [--rounds 10] [--transport T]}: an echo server on a watcher
 *       driven by a client process, with a report.</li>
 *   <li>{@code transports}: every transport on the class path, whether it can run here and why not, and which one
 *       a watcher picks by default.</li>
 * </ul>
 */
public final class Main {
    private Main() {
    }

    /** Entry point. */
    public static void main(String[] args) throws Exception {
        if (args.length == 0 || Arrays.asList(args).contains("--help") || args[0].equals("help")) {
            usage();
            return;
        }
        Options options;
        try {
            options = Options.parse(Arrays.copyOfRange(args, 1, args.length));
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            usage();
            System.exit(2);
            return;
        }
        switch (args[0]) {
            case "echo-server":
                try {
                    EchoServer.main(options);
                } catch (IllegalArgumentException e) {
                    System.err.println(e.getMessage());
                    System.exit(2);
                }
                break;
            case "push-server":
                PushServer.main(options);
                break;
            case "relay":
                Relay.main(options);
                break;
            case "demo":
                Demo.main(options);
                break;
            case "demo-client":
                DemoClient.main(options);
                break;
            case "transports":
                printTransports();
                break;
            default:
                usage();
                System.exit(2);
        }
    }

    private static void printTransports() {
        String chosen;
        try {
            chosen = Transports.selected().name();
        } catch (TransportUnavailableException e) {
            chosen = null;
        }
        for (TransportStatus t : Transports.list()) {
            System.out.println(t.name() + " (priority " + t.priority() + "): " + (t.isAvailable()
                    ? "available" + (t.name().equals(chosen) ? ", picked by default" : "")
                    : "unavailable: " + t.unavailabilityCause()));
        }
    }

    private static void usage() {
        System.err.println("usage: java -jar gaio-examples.jar echo-server|push-server --port PORT [--transport NAME]"
                + " [--buffer BYTES] [--collect waitio|loop]\n       java -jar gaio-examples.jar echo-server --port PORT"
                + " --tls-cert CERT.pem --tls-key KEY.pem [...]\n       java -jar gaio-examples.jar relay --port PORT --to HOST:PORT"
                + " [--transport NAME]\n       java -jar gaio-examples.jar demo [--connections N] [--size BYTES]"
                + " [--rounds R] [--transport NAME]\n       java -jar gaio-examples.jar transports");
    }
}
