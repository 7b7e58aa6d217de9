// Shown while the database starts (an embedded server can take several seconds on first run).

/** A centred "Starting database…" notice. */
export function LoadingScreen() {
  return (
    <section className="notice" role="status" aria-live="polite">
      <div className="spinner" aria-hidden="true" />
      <p>Starting database…</p>
    </section>
  );
}
