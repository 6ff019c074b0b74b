package demo

import (
	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"

	"github.com/dashbox/dashbox/pages"
)

// app0 is the demo's first page: a grouped bar chart of fruit by city.
var app0 = dashboard{
	Path:        "/apps/app0",
	Title:       "Fruit by city",
	Description: "A grouped bar chart: the amount of apples, oranges and bananas in SF and Montreal.",
	Build: func(*Data) (pages.Content, error) {
		return pages.Content{Layout: []pages.Component{
			&pages.Graph{ID: "fruit-by-city", Label: "Bar chart of fruit by city", Figure: fruitBars("fruit-by-city")},
		}}, nil
	},
}

// fruitBars is the bar chart of app0, and of app1 with other colours.
func fruitBars(id string, global ...charts.GlobalOpts) *charts.Bar {
	bars := pages.NewBar(id, append([]charts.GlobalOpts{
		charts.WithTitleOpts(opts.Title{Title: "Amount of fruit by city"}),
		charts.WithTooltipOpts(opts.Tooltip{Trigger: "axis"}),
		charts.WithLegendOpts(opts.Legend{Top: "bottom"}),
		charts.WithYAxisOpts(opts.YAxis{Name: "Amount"}),
	}, global...)...)
	bars.SetXAxis([]string{"Apples", "Oranges", "Bananas"}).
		AddSeries("SF", pages.BarData(4, 1, 2)).
		AddSeries("Montreal", pages.BarData(2, 4, 5))
	return bars
}
