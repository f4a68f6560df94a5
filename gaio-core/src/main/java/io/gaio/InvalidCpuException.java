package io.gaio;

/** Thrown when a CPU id given for thread affinity does not name a CPU this process may run on. */
public final class InvalidCpuException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    InvalidCpuException(String message) {
        super(message);
    }
}
