package demo

import (
	"fmt"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"
	"github.com/go-echarts/go-echarts/v2/types"

	"github.com/dashbox/dashbox/pages"
)

// app8 is the demo's page of multiple inputs: choose an indicator for each
// axis, a linear or log scale for each, and a year; the scatter shows every
// country.
var app8 = dashboard{
	Path:        "/apps/app8",
	Title:       "Indicators",
	Description: "Two indicator dropdowns, a linear or log scale for each, and a year slider: a scatter of the countries.",
	Build: func(d *Data) (pages.Content, error) {
		g, err := d.Gapminder()
		if err != nil {
			return pages.Content{}, err
		}
		return pages.Content{
			Layout: append(indicatorControls(g, "xaxis", "yaxis"),
				&pages.Graph{ID: "indicator-graphic", Label: "Scatter of the chosen indicators by country", Size: "tall"},
				pages.Note(gapminderSource),
			),
			Callbacks: []pages.Callback{{
				Name:   "scatter",
				Inputs: []string{"xaxis-column", "yaxis-column", "xaxis-type", "yaxis-type", "year-slider"},
				Func: func(in pages.Inputs) (pages.Outputs, error) {
					c, err := indicatorScatter("indicator-graphic", g, in, "xaxis", "yaxis")
					if err != nil {
						return nil, err
					}
					return pages.Outputs{"indicator-graphic": pages.ChartOf(c)}, nil
				},
			}},
		}, nil
	},
}

// indicatorControls are the controls app8 and app14 share: for each axis
// (IDs prefix+"-column" and prefix+"-type") an indicator dropdown and a
// Linear/Log radio, and a year slider (ID "year-slider").
func indicatorControls(g *Gapminder, x, y string) []pages.Component {
	first, last := g.Years[0], g.Years[len(g.Years)-1]
	return []pages.Component{
		pages.Columns(
			&pages.Panel{Children: []pages.Component{
				&pages.Dropdown{ID: x + "-column", Label: "Horizontal axis", Options: IndicatorOptions(), Value: Indicators[0].Name},
				&pages.Radio{ID: x + "-type", Label: "Scale", Options: scaleOptions, Value: "log", Inline: true},
			}},
			&pages.Panel{Children: []pages.Component{
				&pages.Dropdown{ID: y + "-column", Label: "Vertical axis", Options: IndicatorOptions(), Value: Indicators[1].Name},
				&pages.Radio{ID: y + "-type", Label: "Scale", Options: scaleOptions, Value: "linear", Inline: true},
			}},
		),
		&pages.Slider{ID: "year-slider", Label: "Year", Min: first, Max: last, Step: 5, Value: last, Marks: pages.EveryMark(first, last, 5)},
	}
}

// axisChoice is one axis's indicator and scale as the controls give them.
type axisChoice struct {
	Indicator Indicator
	Scale     string
}

func readAxis(in pages.Inputs, prefix string) (axisChoice, error) {
	name, err := in.OneOf(prefix+"-column", "indicator", IndicatorOptions())
	if err != nil {
		return axisChoice{}, err
	}
	scale, err := in.OneOf(prefix+"-type", "scale", scaleOptions)
	if err != nil {
		return axisChoice{}, err
	}
	ind, _ := IndicatorByName(name)
	return axisChoice{ind, scale}, nil
}

// indicatorScatter is the scatter of app8 and app14: every country in the
// chosen year, on the chosen indicators and scales.
func indicatorScatter(id string, g *Gapminder, in pages.Inputs, x, y string) (*charts.Scatter, error) {
	xa, err := readAxis(in, x)
	if err != nil {
		return nil, err
	}
	ya, err := readAxis(in, y)
	if err != nil {
		return nil, err
	}
	year, err := gapminderYear(in, "year-slider", g)
	if err != nil {
		return nil, err
	}
	c := pages.NewScatter(id,
		charts.WithTitleOpts(opts.Title{Title: fmt.Sprintf("%s against %s", ya.Indicator.Name, xa.Indicator.Name), Subtitle: itoa(year),
			TitleStyle: &opts.TextStyle{FontSize: 14}}),
		charts.WithTooltipOpts(opts.Tooltip{Formatter: types.FuncStr("{b}\n" + xa.Indicator.Name + ": {@[0]}\n" + ya.Indicator.Name + ": {@[1]}")}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(false)}),
		charts.WithXAxisOpts(opts.XAxis{Type: axisType(xa.Scale), Name: xa.Indicator.Name, NameLocation: "middle", NameGap: 28, Scale: opts.Bool(true)}),
		charts.WithYAxisOpts(opts.YAxis{Type: axisType(ya.Scale), Name: ya.Indicator.Name, NameLocation: "middle", NameGap: 48, Scale: opts.Bool(true)}),
		charts.WithGridOpts(opts.Grid{Left: "72", Right: "24", Top: "64", Bottom: "56"}),
	)
	var points []opts.ScatterData
	for _, r := range g.Year(year) {
		points = append(points, opts.ScatterData{Name: r.Country, Value: []float64{xa.Indicator.Value(r), ya.Indicator.Value(r)}, SymbolSize: 10})
	}
	c.AddSeries("Countries", points, charts.WithItemStyleOpts(opts.ItemStyle{Opacity: opts.Float(0.7)}))
	return c, nil
}
