// The database status panel: where the data lives, which server answers, and rows per table.

import type { DbStatusView } from "../ipc";

const numberFormat = new Intl.NumberFormat("en");

/** Mode, location, versions, and a table of row counts. */
export function StatusPanel({ status }: { status: DbStatusView }) {
  return (
    <section className="panel status-panel" aria-labelledby="db-status-title">
      <h2 id="db-status-title">Database</h2>
      <div className="panel-body">
        <dl className="facts">
          <dt>Mode</dt>
          <dd>{status.mode}</dd>
          <dt>Location</dt>
          <dd>
            <code>{status.location}</code>
          </dd>
          <dt>Server version</dt>
          <dd>{status.server_version}</dd>
          <dt>Schema version</dt>
          <dd>{status.schema_version}</dd>
        </dl>

        <table className="counts">
          <caption>Rows per table</caption>
          <thead>
            <tr>
              <th scope="col">Table</th>
              <th scope="col">Rows</th>
            </tr>
          </thead>
          <tbody>
            {status.tables.map((table) => (
              <tr key={table.name}>
                <td>{table.name}</td>
                <td className="num">{numberFormat.format(table.rows)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
