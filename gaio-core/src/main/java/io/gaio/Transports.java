package io.gaio;

import io.gaio.spi.TransportProvider;
import io.netty.channel.IoEventLoop;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.ServiceLoader;

/**
 * The transports on the class path, and how a watcher chooses one.
 *
 * <p>A watcher uses the transport named in {@link Watcher.Builder#transport(String)}, else the one named by the
 * system property {@value #TRANSPORT_PROPERTY}, else the available transport with the highest priority.
 * <pre>{@code
 * for (TransportStatus t : Transports.list()) {
 *     System.out.println(t);   // e.g. "nio (priority 0): available"
 * }
 * }</pre>
 */
public final class Transports {

    /** The system property that names the transport of watchers whose builder names none. */
    public static final String TRANSPORT_PROPERTY = "gaio.transport";

    private Transports() {
    }

    /**
     * Every transport on the class path, most preferred first.
     *
     * @return each transport with whether it can run here and why not
     */
    public static List<TransportStatus> list() {
        List<TransportStatus> statuses = new ArrayList<>();
        for (TransportProvider provider : providers()) {
            statuses.add(new TransportStatus(provider.name(), provider.priority(), provider.duplicatesSockets(),
                    provider.unavailabilityCause()));
        }
        return statuses;
    }

    /**
     * The transport a watcher would use when its builder names none: the one named by {@value #TRANSPORT_PROPERTY},
     * else the best available.
     *
     * @return the transport's status
     * @throws TransportUnavailableException when the named transport is missing or unavailable, or none is available
     */
    public static TransportStatus selected() {
        TransportProvider p = select(null);
        return new TransportStatus(p.name(), p.priority(), p.duplicatesSockets(), null);
    }

    static TransportProvider select(String requested) {
        String name = requested != null ? requested : System.getProperty(TRANSPORT_PROPERTY);
        List<TransportProvider> providers = providers();
        if (name != null && !name.isBlank()) {
            for (TransportProvider provider : providers) {
                if (provider.name().equals(name.trim())) {
                    Throwable cause = provider.unavailabilityCause();
                    if (cause != null) {
                        throw new TransportUnavailableException("gaio transport '" + provider.name()
                                + "' cannot run here: " + cause + ". Choose another with -D" + TRANSPORT_PROPERTY
                                + "=NAME; available: " + availableNames(providers), cause);
                    }
                    return provider;
                }
            }
            throw new TransportUnavailableException("gaio transport '" + name + "' is not on the class path. Add "
                    + "its module (io.gaio:gaio-transport-" + name.trim() + ") or choose one of: "
                    + availableNames(providers), null);
        }
        for (TransportProvider provider : providers) {
            if (provider.unavailabilityCause() == null) {
                return provider;
            }
        }
        throw new TransportUnavailableException("no gaio transport can run here. Add io.gaio:gaio-transport-nio "
                + "(portable) to the class path" + (providers.isEmpty() ? "" : "; found: " + list()), null);
    }

    /** The most preferred available transport whose handles the given event loop accepts. */
    static TransportProvider selectFor(IoEventLoop loop) {
        List<TransportProvider> providers = providers();
        for (TransportProvider provider : providers) {
            if (provider.unavailabilityCause() == null && loop.isCompatible(provider.handleType())) {
                return provider;
            }
        }
        throw new TransportUnavailableException("no gaio transport on the class path runs on this event loop "
                + "(available: " + availableNames(providers) + "); add the transport module that matches its "
                + "IoHandler, e.g. io.gaio:gaio-transport-nio for NioIoHandler", null);
    }

    private static String availableNames(List<TransportProvider> providers) {
        List<String> names = new ArrayList<>();
        for (TransportProvider provider : providers) {
            if (provider.unavailabilityCause() == null) {
                names.add(provider.name());
            }
        }
        return names.isEmpty() ? "none" : String.join(", ", names);
    }

    private static List<TransportProvider> providers() {
        List<TransportProvider> providers = new ArrayList<>();
        for (TransportProvider provider : ServiceLoader.load(TransportProvider.class, Transports.class.getClassLoader())) {
            providers.add(provider);
        }
        providers.sort(Comparator.comparingInt(TransportProvider::priority).reversed());
        return providers;
    }
}
