package pages

import (
	"encoding/json"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"
)

// app13 is the demo's interactive graphing page: what the chart reports on
// hover, click, selection (box or lasso, from the toolbox) and zoom (mouse
// wheel, or the toolbox's box zoom) goes to the server, which shows it as
// JSON in four panels.
var app13 = Dashboard{
	Path:          "/apps/app13",
	Title:         "Chart events",
	Description:   "A scatter whose hover, click, selection (box or lasso) and zoom events are shown as JSON in four panels.",
	CallbackNames: []string{"hover-data", "click-data", "selected-data", "relayout-data"},
	Build: func(*Data) (Content, error) {
		c := newScatter("basic-interactions",
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
		withExtras(c, selectionTools(true))

		// Each panel has one callback: its event in, its JSON out.
		panel := func(input, output string) Callback {
			return Callback{
				Name:   output,
				Inputs: []string{input},
				Func: func(in Inputs) (Outputs, error) {
					var event any
					if ok, err := in.Event(input, &event); err != nil || !ok {
						return Outputs{output: Text("null")}, err
					}
					pretty, _ := json.MarshalIndent(event, "", "  ")
					return Outputs{output: Text(string(pretty))}, nil
				},
			}
		}
		return Content{
			Layout: []Component{
				&Graph{ID: "basic-interactions", Label: "Scatter of two traces of four points", Figure: c},
				Columns(
					&Pre{ID: "hover-data", Title: "Hover data"},
					&Pre{ID: "click-data", Title: "Click data"},
				),
				Columns(
					&Pre{ID: "selected-data", Title: "Selection data (choose box or lasso select in the toolbox)"},
					&Pre{ID: "relayout-data", Title: "Zoom data (mouse wheel, or box zoom in the toolbox)"},
				),
			},
			Callbacks: []Callback{
				panel("basic-interactions.hover", "hover-data"),
				panel("basic-interactions.click", "click-data"),
				panel("basic-interactions.select", "selected-data"),
				panel("basic-interactions.zoom", "relayout-data"),
			},
		}, nil
	},
}

// selectionTools are the brush (box and lasso selection) and the toolbox
// buttons that go-echarts has no fields for. zoom adds box zoom and reset.
func selectionTools(zoom bool) extras {
	features := map[string]any{
		"brush": map[string]any{"type": []string{"rect", "polygon", "clear"}},
	}
	if zoom {
		features["dataZoom"] = map[string]any{}
		features["restore"] = map[string]any{}
	}
	return extras{
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
