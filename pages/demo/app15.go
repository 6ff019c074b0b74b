package demo

import (
	"fmt"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"

	"github.com/dashbox/dashbox/pages"
)

// app15 is the demo's generic crossfilter: three scatters over a data set
// of six random columns, each plotting two of them. Select points in any
// chart (box or lasso, from its toolbox) and all three highlight the rows
// inside every selection made so far.
var app15 = dashboard{
	Path:        "/apps/app15",
	Title:       "Generic crossfilter",
	Description: "Three scatters over a six-column data set: a selection in any one highlights the rows inside all selections, in all three.",
	Build: func(d *Data) (pages.Content, error) {
		rows := d.Random()
		ids := []string{"g1", "g2", "g3"}
		inputs := []string{"g1.select", "g2.select", "g3.select"}
		return pages.Content{
			Layout: []pages.Component{
				pages.Columns(
					&pages.Graph{ID: "g1", Label: "Scatter of columns 1 and 2", Size: "short"},
					&pages.Graph{ID: "g2", Label: "Scatter of columns 3 and 4", Size: "short"},
					&pages.Graph{ID: "g3", Label: "Scatter of columns 5 and 6", Size: "short"},
				),
				pages.Note("Random data: 30 rows of 6 columns, uniform between 0 and 1, generated with a fixed seed as the demo did."),
			},
			Callbacks: []pages.Callback{{
				Name:   "select",
				Inputs: inputs,
				Func: func(in pages.Inputs) (pages.Outputs, error) {
					// selected[i] is whether row i is inside every selection.
					selected := make([]bool, len(rows))
					for i := range selected {
						selected[i] = true
					}
					for _, input := range inputs {
						var sel selection
						ok, err := in.Event(input, &sel)
						if err != nil {
							return nil, err
						}
						if !ok || sel.Points == nil {
							continue // nothing selected in that chart
						}
						inside := make([]bool, len(rows))
						for _, p := range sel.Points {
							if p.DataIndex < 0 || p.DataIndex >= len(rows) {
								return nil, pages.Errorf(pages.EINVALID, "%s: no row %d", input, p.DataIndex)
							}
							inside[p.DataIndex] = true
						}
						for i := range selected {
							selected[i] = selected[i] && inside[i]
						}
					}
					out := pages.Outputs{}
					for i, id := range ids {
						out[id] = pages.ChartOf(crossfilterScatter(id, rows, 2*i, 2*i+1, selected))
					}
					return out, nil
				},
			}},
		}, nil
	},
}

// selection is the JSON dashbox.js sends for a brush selection: the
// selected points (null when the selection was cleared).
type selection struct {
	Points []struct {
		SeriesIndex int `json:"seriesIndex"`
		DataIndex   int `json:"dataIndex"`
	} `json:"points"`
}

// crossfilterScatter plots column x against column y, fading the rows not
// selected.
func crossfilterScatter(id string, rows [][]float64, x, y int, selected []bool) *charts.Scatter {
	c := pages.NewScatter(id,
		charts.WithTitleOpts(opts.Title{Title: fmt.Sprintf("Col %d against Col %d", y+1, x+1), TitleStyle: &opts.TextStyle{FontSize: 14}}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(false)}),
		charts.WithXAxisOpts(opts.XAxis{Type: "value", Name: fmt.Sprintf("Col %d", x+1), Min: 0, Max: 1}),
		charts.WithYAxisOpts(opts.YAxis{Type: "value", Name: fmt.Sprintf("Col %d", y+1), Min: 0, Max: 1}),
		charts.WithGridOpts(opts.Grid{Left: "40", Right: "48", Top: "56", Bottom: "32"}),
	)
	points := make([]pages.Point, len(rows))
	for i, r := range rows {
		points[i] = pages.Point{Name: fmt.Sprintf("row %d", i+1), Value: []float64{r[x], r[y]}, SymbolSize: 12}
		if !selected[i] {
			points[i].ItemStyle = &opts.ItemStyle{Opacity: opts.Float(0.2)}
		}
	}
	pages.AddPoints(c, "Rows", points)
	e := selectionTools(false)
	e["brush"].(map[string]any)["outOfBrush"] = map[string]any{"colorAlpha": 1} // the server fades instead
	pages.WithExtras(c, e)
	return c
}
