package demo

import (
	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"

	"github.com/dashbox/dashbox/pages"
)

// app1 is app0's chart styled as the demo's "Hello Dash" page: always dark
// (background #111111, text #7FDBFF), whatever the visitor's theme, with a
// centred title.
var app1 = dashboard{
	Path:        "/apps/app1",
	Title:       "Hello Dash, styled",
	Description: "The same bar chart on a dark page with a centred title: background #111111, text #7FDBFF.",
	Build: func(*Data) (pages.Content, error) {
		const background, text = "#111111", "#7FDBFF"
		style := &opts.TextStyle{Color: text}
		label := &opts.AxisLabel{Color: text}
		line := &opts.AxisLine{LineStyle: &opts.LineStyle{Color: text}}
		bars := fruitBars("fruit-by-city-dark",
			charts.WithInitializationOpts(opts.Initialization{ChartID: "fruit-by-city-dark", AssetsHost: pages.AssetsHost, BackgroundColor: background}),
			charts.WithTitleOpts(opts.Title{Title: "Amount of fruit by city", Left: "center", TitleStyle: style}),
			charts.WithLegendOpts(opts.Legend{Top: "bottom", TextStyle: style}),
			charts.WithXAxisOpts(opts.XAxis{AxisLabel: label, AxisLine: line}),
			charts.WithYAxisOpts(opts.YAxis{Name: "Amount", AxisLabel: label, AxisLine: line,
				SplitLine: &opts.SplitLine{Show: opts.Bool(true), LineStyle: &opts.LineStyle{Color: "#333333"}}}),
		)
		return pages.Content{Layout: []pages.Component{
			&pages.Panel{Class: "panel-dark", Children: []pages.Component{
				pages.Heading("Hello Dash"),
				pages.Para("Dash: a web application framework for Python, rebuilt here in Go."),
				&pages.Graph{ID: "fruit-by-city-dark", Label: "Bar chart of fruit by city, dark", Figure: bars, FixedTheme: true},
			}},
		}}, nil
	},
}
