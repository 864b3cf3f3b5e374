package io.synod.engine.postgres;

/** Outcome of {@link Postgres#rewind}; detail holds pg_rewind's output tail for logs. */
public record RewindResult(Status status, String detail) {
  public enum Status {
    /**
     * pg_rewind succeeded (or reported that no rewind was required); start the node as a replica.
     */
    REWOUND,
    /** pg_rewind failed; the data directory is untouched beyond what pg_rewind did. */
    FAILED,
    /**
     * pg_rewind could not connect to the source (e.g. a new primary not accepting connections yet):
     * it changed nothing, and a later attempt may well succeed.
     */
    SOURCE_UNREACHABLE,
    /**
     * pg_rewind failed and remove_data_directory_on_rewind_failure wiped the data directory:
     * re-clone.
     */
    FAILED_DATA_REMOVED
  }

  public boolean ok() {
    return status == Status.REWOUND;
  }
}
