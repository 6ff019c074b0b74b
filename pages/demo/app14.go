package demo

import (
	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"

	"github.com/dashbox/dashbox/pages"
)

// app14 is the demo's crossfilter: the indicators scatter of app8, and
// hovering over a country redraws two time series for it, one per
// indicator.
var app14 = dashboard{
	Path:        "/apps/app14",
	Title:       "Crossfilter: indicators over time",
	Description: "Hover over a country in the indicators scatter to redraw two time series for it.",
	Build: func(d *Data) (pages.Content, error) {
		g, err := d.Gapminder()
		if err != nil {
			return pages.Content{}, err
		}
		const scatter = "crossfilter-indicator-scatter"
		// series answers a hover with the time series of one axis's indicator
		// for the hovered country; before any hover it shows Japan, as the
		// demo does.
		series := func(id, axis string) pages.Callback {
			return pages.Callback{
				Name:   id,
				Inputs: []string{scatter + ".hover", axis + "-column", axis + "-type"},
				Func: func(in pages.Inputs) (pages.Outputs, error) {
					a, err := readAxis(in, axis)
					if err != nil {
						return nil, err
					}
					country := "Japan"
					var hover chartEvent
					if ok, err := in.Event(scatter+".hover", &hover); err != nil {
						return nil, err
					} else if ok && len(hover.Points) > 0 {
						country = hover.Points[0].Name
					}
					if g.Country(country) == nil {
						return nil, pages.Errorf(pages.EINVALID, "no data for the country %q", pages.Clip(country))
					}
					return pages.Outputs{id: pages.ChartOf(timeSeries(id, g, country, a))}, nil
				},
			}
		}
		return pages.Content{
			Layout: append(indicatorControls(g, "crossfilter-xaxis", "crossfilter-yaxis"),
				pages.Columns(
					&pages.Graph{ID: scatter, Label: "Scatter of the chosen indicators by country; hover over one for its time series", Size: "tall"},
					&pages.Panel{Children: []pages.Component{
						&pages.Graph{ID: "x-time-series", Label: "Time series of the horizontal axis's indicator", Size: "short"},
						&pages.Graph{ID: "y-time-series", Label: "Time series of the vertical axis's indicator", Size: "short"},
					}},
				),
				pages.Note(gapminderSource),
			),
			Callbacks: []pages.Callback{
				{
					Name:   "scatter",
					Inputs: []string{"crossfilter-xaxis-column", "crossfilter-yaxis-column", "crossfilter-xaxis-type", "crossfilter-yaxis-type", "year-slider"},
					Func: func(in pages.Inputs) (pages.Outputs, error) {
						c, err := indicatorScatter(scatter, g, in, "crossfilter-xaxis", "crossfilter-yaxis")
						if err != nil {
							return nil, err
						}
						return pages.Outputs{scatter: pages.ChartOf(c)}, nil
					},
				},
				series("x-time-series", "crossfilter-xaxis"),
				series("y-time-series", "crossfilter-yaxis"),
			},
		}, nil
	},
}

// chartEvent is the JSON dashbox.js sends for a chart's hover or click:
// the points under the pointer.
type chartEvent struct {
	Points []struct {
		Series    string    `json:"series"`
		SeriesIdx int       `json:"seriesIndex"`
		DataIndex int       `json:"dataIndex"`
		Name      string    `json:"name"`
		Value     []float64 `json:"value"`
	} `json:"points"`
}

// timeSeries is one indicator of one country over the years.
func timeSeries(id string, g *Gapminder, country string, a axisChoice) *charts.Line {
	rows := g.Country(country)
	years := make([]string, len(rows))
	values := make([]float64, len(rows))
	for i, r := range rows {
		years[i] = itoa(r.Year)
		values[i] = a.Indicator.Value(r)
	}
	c := pages.NewLine(id,
		charts.WithTitleOpts(opts.Title{Title: country, Subtitle: a.Indicator.Name, TitleStyle: &opts.TextStyle{FontSize: 14}}),
		charts.WithTooltipOpts(opts.Tooltip{Trigger: "axis"}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(false)}),
		charts.WithYAxisOpts(opts.YAxis{Type: axisType(a.Scale), Scale: opts.Bool(true)}),
		charts.WithGridOpts(opts.Grid{Left: "64", Right: "16", Top: "56", Bottom: "28"}),
	)
	c.SetXAxis(years).AddSeries(a.Indicator.Name, pages.LineData(values...))
	return c
}
