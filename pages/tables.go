package pages

import (
	"bytes"
	"fmt"
	"html/template"
)

// The table component, once, in three forms: a plain Table (Dash's
// generate_table, and DataTable's scrolling and fixed-header layouts), a
// PagedTable whose pages come from a callback, and a VirtualTable that
// renders only the rows in view of a table too large to send at once.

// Column is a table column.
type Column struct {
	// Title is the header cell's text.
	Title string
	// Numeric columns are right-aligned, with tabular figures.
	Numeric bool
}

// Table is an HTML table.
type Table struct {
	// ID is optional.
	ID string
	// Caption is shown above the table; "" for none.
	Caption string
	// Columns are the header; each row has one cell per column.
	Columns []Column
	// Rows are the cells' text.
	Rows [][]string
	// Scroll is "" for a table as tall as its rows, "scroll" for one that
	// scrolls within a fixed height, "fixed-header" for one that also keeps
	// its header row in view.
	Scroll string
}

func (t *Table) componentID() string { return t.ID }
func (t *Table) render(r *renderer) (template.HTML, error) {
	switch t.Scroll {
	case "", "scroll", "fixed-header":
	default:
		return "", fmt.Errorf("table %s: Scroll must be \"\", \"scroll\" or \"fixed-header\", not %q", t.ID, t.Scroll)
	}
	for i, row := range t.Rows {
		if len(row) != len(t.Columns) {
			return "", fmt.Errorf("table %s: row %d has %d cells for %d columns", t.ID, i, len(row), len(t.Columns))
		}
	}
	return r.exec("table", t)
}

// Numeric reports whether column i is numeric, for the template.
func (t *Table) Numeric(i int) bool { return t.Columns[i].Numeric }

// PagedTable shows Rows PageSize at a time with Previous and Next buttons.
// Callbacks take ID+".page" (0-based) and answer with Page.
type PagedTable struct {
	// ID names the table in callbacks' Inputs (ID+".page") and Outputs.
	ID string
	// Caption is shown above the table; "" for none.
	Caption string
	// Columns are the header.
	Columns []Column
	// Rows are all the rows, of which one page shows.
	Rows [][]string
	// PageSize is the number of rows a page shows.
	PageSize int
	page     int
	body     template.HTML
}

// Pages is the number of pages.
func (t *PagedTable) Pages() int {
	if t.PageSize <= 0 || len(t.Rows) == 0 {
		return 1
	}
	return (len(t.Rows) + t.PageSize - 1) / t.PageSize
}

// Page is the Output showing page (0-based), or an EINVALID error for a
// page that does not exist.
func (t *PagedTable) Page(page int) (Output, error) {
	if page < 0 || page >= t.Pages() {
		return Output{}, Errorf(EINVALID, "page must be between 0 and %d, not %d", t.Pages()-1, page)
	}
	first := page * t.PageSize
	last := min(first+t.PageSize, len(t.Rows))
	components, err := componentTemplates()
	if err != nil {
		return Output{}, err
	}
	var buf bytes.Buffer
	err = components.ExecuteTemplate(&buf, "paged-table-body", struct {
		Table                    *Table
		Page, Pages, First, Last int
		Total                    int
	}{
		Table: &Table{Caption: t.Caption, Columns: t.Columns, Rows: t.Rows[first:last]},
		Page:  page + 1, Pages: t.Pages(), First: first + 1, Last: last, Total: len(t.Rows),
	})
	if err != nil {
		return Output{}, err
	}
	return Output{HTML: template.HTML(buf.String())}, nil
}

func (t *PagedTable) componentID() string { return t.ID }
func (t *PagedTable) inputValues(prop string) ([]string, bool) {
	return []string{fmt.Sprint(t.page)}, prop == "page"
}
func (t *PagedTable) apply(o Output) error {
	if o.HTML == "" {
		return checkOnly(o, "html (from Page)", false)
	}
	t.body = o.HTML
	return nil
}
func (t *PagedTable) render(r *renderer) (template.HTML, error) {
	if t.PageSize <= 0 {
		return "", fmt.Errorf("paged table %s: PageSize must be positive", t.ID)
	}
	if t.body == "" {
		o, err := t.Page(0)
		if err != nil {
			return "", err
		}
		t.body = o.HTML
	}
	return r.exec("paged-table", t)
}

// Body is the current page's table and pager, for the template.
func (t *PagedTable) Body() template.HTML { return t.body }

// VirtualTable is a scrolling table over Total rows of which the browser
// holds only a window around the rows in view. As the user scrolls,
// dashbox.js reports the first row it needs as ID+".offset", and a callback
// answers with Window(offset).
type VirtualTable struct {
	// ID names the table in callbacks' Inputs (ID+".offset") and Outputs.
	ID string
	// Caption is shown above the table; "" for none.
	Caption string
	// Columns are the header.
	Columns []Column
	// Total is the number of rows.
	Total int
	// Row returns row i, 0 <= i < Total. Rows are computed when asked for:
	// the whole table never exists at once.
	Row func(i int) []string
	// Size is the number of rows one window holds; 0 means 100.
	Size int
	rows *rowWindow
}

// rowWindow is the JSON of a VirtualTable output.
type rowWindow struct {
	Offset int        `json:"offset"`
	Total  int        `json:"total"`
	Rows   [][]string `json:"rows"`
}

func (t *VirtualTable) size() int {
	if t.Size <= 0 {
		return 100
	}
	return t.Size
}

// Window is the Output holding the rows from offset on, or an EINVALID
// error for an offset outside the table.
func (t *VirtualTable) Window(offset int) (Output, error) {
	if offset < 0 || offset >= t.Total {
		return Output{}, Errorf(EINVALID, "offset must be between 0 and %d, not %d", t.Total-1, offset)
	}
	end := min(offset+t.size(), t.Total)
	w := &rowWindow{Offset: offset, Total: t.Total, Rows: make([][]string, 0, end-offset)}
	for i := offset; i < end; i++ {
		w.Rows = append(w.Rows, t.Row(i))
	}
	return Output{Rows: w}, nil
}

func (t *VirtualTable) componentID() string { return t.ID }
func (t *VirtualTable) inputValues(prop string) ([]string, bool) {
	return []string{"0"}, prop == "offset"
}
func (t *VirtualTable) apply(o Output) error {
	if o.Rows == nil {
		return checkOnly(o, "rows (from Window)", false)
	}
	t.rows = o.Rows
	return nil
}
func (t *VirtualTable) render(r *renderer) (template.HTML, error) {
	if t.Total <= 0 || t.Row == nil {
		return "", fmt.Errorf("virtual table %s needs Total > 0 and Row", t.ID)
	}
	if t.rows == nil {
		o, err := t.Window(0)
		if err != nil {
			return "", err
		}
		t.rows = o.Rows
	}
	return r.exec("virtual-table", struct {
		*VirtualTable
		Table  *Table
		Window *rowWindow
	}{t, &Table{Columns: t.Columns, Rows: t.rows.Rows}, t.rows})
}
