// A table sortable by any column: a click on a header sorts by it (numbers largest first, text
// A to Z), a second click reverses. Each cell keeps its exact value in data-value; rows are built
// with textContent only, so nothing a customer or a campaign name holds is ever read as HTML.

// columns: [{key, label, value: row => raw value (number, decimal string, text or null),
//            text: row => what the cell shows, numeric: true|false, cell: (td, row) => void}]
export function sortableTable(table, { columns, rows, sortBy = null, rowKey = null, onRow = null }) {
  let key = sortBy;
  let descending = true;

  function compare(a, b) {
    const column = columns.find((c) => c.key === key);
    const left = column.value(a);
    const right = column.value(b);
    if (left === null || left === undefined) return 1; // blanks last either way
    if (right === null || right === undefined) return -1;
    const order = column.numeric
      ? Number(left) - Number(right)
      : String(left).localeCompare(String(right));
    return descending ? -order : order;
  }

  function render() {
    const head = document.createElement("thead");
    const titles = document.createElement("tr");
    for (const column of columns) {
      const th = document.createElement("th");
      th.dataset.column = column.key;
      if (column.numeric) th.className = "numeric";
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = column.label;
      if (column.key === key) th.setAttribute("aria-sort", descending ? "descending" : "ascending");
      button.addEventListener("click", () => {
        descending = column.key === key ? !descending : Boolean(column.numeric);
        key = column.key;
        render();
      });
      th.append(button);
      titles.append(th);
    }
    head.append(titles);
    const body = document.createElement("tbody");
    const sorted = key ? [...rows].sort(compare) : rows;
    for (const row of sorted) {
      const tr = document.createElement("tr");
      if (rowKey) tr.dataset.key = rowKey(row);
      for (const column of columns) {
        const td = document.createElement("td");
        td.dataset.column = column.key;
        const raw = column.value(row);
        td.dataset.value = raw === null || raw === undefined ? "" : String(raw);
        if (column.numeric) td.className = "numeric";
        if (column.cell) column.cell(td, row);
        else td.textContent = column.text ? column.text(row) : td.dataset.value;
        tr.append(td);
      }
      if (onRow) onRow(tr, row);
      body.append(tr);
    }
    table.replaceChildren(head, body);
  }

  render();
}
