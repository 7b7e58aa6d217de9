// Previous / next paging for the analysis views' lists, with the visible range as text.

import { formatCount } from "./format";

/** Previous / next page buttons with the range shown; nothing when everything fits. */
export function Pager(props: {
  page: number;
  total: number;
  pageSize: number;
  onPage: (page: number) => void;
}) {
  const { page, total, pageSize, onPage } = props;
  if (total <= pageSize) return null;
  const first = page * pageSize + 1;
  const last = Math.min(total, (page + 1) * pageSize);
  return (
    <div className="pager">
      <button type="button" disabled={page === 0} onClick={() => onPage(page - 1)}>
        Previous
      </button>
      <span>
        {formatCount(first)}–{formatCount(last)} of {formatCount(total)}
      </span>
      <button type="button" disabled={last >= total} onClick={() => onPage(page + 1)}>
        Next
      </button>
    </div>
  );
}
