package demo

import (
	"encoding/json"
	"fmt"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"

	"github.com/dashbox/dashbox/pages"
)

// app13 is the demo's interactive graphing page: what the chart reports on
// hover, click, selection (box or lasso, from the toolbox) and zoom (mouse
// wheel, or the toolbox's box zoom) goes to the server, which shows it as
// JSON in four panels.
var app13 = dashboard{
	Path:        "/apps/app13",
	Title:       "Chart events",
	Description: "A scatter whose hover, click, selection (box or lasso) and zoom events are shown as JSON in four panels.",
	Build: func(*Data) (pages.Content, error) {
		c := pages.NewScatter("basic-interactions",
			charts.WithTitleOpts(opts.Title{Title: "Hover, click, select or zoom"}),
			charts.WithLegendOpts(opts.Legend{Top: "bottom"}),
			charts.WithXAxisOpts(opts.XAxis{Type: "value", Min: 0, Max: 5}),
			charts.WithYAxisOpts(opts.YAxis{Type: "value", Min: 0, Max: 10}),
			charts.WithGridOpts(opts.Grid{Left: "40", Right: "24", Top: "56", Bottom: "64"}),
			charts.WithDataZoomOpts(opts.DataZoom{Type: "inside", XAxisIndex: 0}, opts.DataZoom{Type: "inside", YAxisIndex: 0}),
		)
		for _, trace := range []struct {
			name  string
			y     []float64
			names []string
		}{
			{"Trace 1", []float64{4, 1, 3, 5}, []string{"a", "b", "c", "d"}},
			{"Trace 2", []float64{9, 4, 1, 4}, []string{"w", "x", "y", "z"}},
		} {
			var points []opts.ScatterData
			for i, y := range trace.y {
				points = append(points, opts.ScatterData{Name: trace.names[i], Value: []float64{float64(i + 1), y}, SymbolSize: 16})
			}
			c.AddSeries(trace.name, points)
		}
		pages.WithExtras(c, selectionTools(true))

		// Each panel has one callback: its event in, its JSON out. What is
		// shown is the event decoded into interaction and encoded again,
		// never the client's JSON as it came: its size follows the fields
		// dashbox.js sends, whatever else a client adds.
		panel := func(input, output string) pages.Callback {
			return pages.Callback{
				Name:   output,
				Inputs: []string{input},
				Func: func(in pages.Inputs) (pages.Outputs, error) {
					var event interaction
					if ok, err := in.Event(input, &event); err != nil || !ok {
						return pages.Outputs{output: pages.Text("null")}, err
					}
					pretty, err := json.MarshalIndent(event, "", "  ")
					if err != nil {
						return nil, fmt.Errorf("encoding %s: %w", input, err)
					}
					return pages.Outputs{output: pages.Text(string(pretty))}, nil
				},
			}
		}
		return pages.Content{
			Layout: []pages.Component{
				&pages.Graph{ID: "basic-interactions", Label: "Scatter of two traces of four points", Figure: c},
				pages.Columns(
					&pages.Pre{ID: "hover-data", Title: "Hover data"},
					&pages.Pre{ID: "click-data", Title: "Click data"},
				),
				pages.Columns(
					&pages.Pre{ID: "selected-data", Title: "Selection data (choose box or lasso select in the toolbox)"},
					&pages.Pre{ID: "relayout-data", Title: "Zoom data (mouse wheel, or box zoom in the toolbox)"},
				),
			},
			Callbacks: []pages.Callback{
				panel("basic-interactions.hover", "hover-data"),
				panel("basic-interactions.click", "click-data"),
				panel("basic-interactions.select", "selected-data"),
				panel("basic-interactions.zoom", "relayout-data"),
			},
		}, nil
	},
}

// interaction is what app13 shows of a chart event: the fields dashbox.js
// sends for a hover or click (points), a selection (points and a box's
// range or a lasso's outline) and a zoom (the axes' ranges), in the order
// of their names, as the JSON of a map would list them. Fields it does not
// send are dropped; those it did not set stay out.
type interaction struct {
	LassoPoints *axesValues   `json:"lassoPoints,omitempty"`
	Points      *[]eventPoint `json:"points,omitempty"`
	Range       *axesValues   `json:"range,omitempty"`
	XRange      []*float64    `json:"xaxis.range,omitempty"`
	YRange      []*float64    `json:"yaxis.range,omitempty"`
}

// eventPoint is one point of a chart event. Pointers tell a field that
// was not sent from a zero.
type eventPoint struct {
	DataIndex   *int       `json:"dataIndex,omitempty"`
	Name        *string    `json:"name,omitempty"`
	Series      *string    `json:"series,omitempty"`
	SeriesIndex *int       `json:"seriesIndex,omitempty"`
	Value       []*float64 `json:"value,omitempty"`
}

// axesValues are values along each axis: a box's range, or a lasso's
// vertices.
type axesValues struct {
	X []*float64 `json:"x"`
	Y []*float64 `json:"y"`
}

// selectionTools are the brush (box and lasso selection) and the toolbox
// buttons that go-echarts has no fields for. zoom adds box zoom and reset.
func selectionTools(zoom bool) pages.Extras {
	features := map[string]any{
		"brush": map[string]any{"type": []string{"rect", "polygon", "clear"}},
	}
	if zoom {
		features["dataZoom"] = map[string]any{}
		features["restore"] = map[string]any{}
	}
	return pages.Extras{
		"brush": map[string]any{
			"toolbox":      []string{"rect", "polygon", "clear"},
			"xAxisIndex":   "all",
			"yAxisIndex":   "all",
			"throttleType": "debounce",
			"outOfBrush":   map[string]any{"colorAlpha": 0.3},
		},
		"toolbox": map[string]any{"right": 16, "feature": features},
	}
}
