// Package demo is dashbox's demo: the 18 pages of the Plotly Dash
// multi-page demo (app0 to app17, one Go file each, listed in registry.go)
// rebuilt on the pages framework, and their data sets (data/gapminder.csv
// and the mock data of mock.go). dashbox's command serves it by passing
// Dashboards to pages.New; nothing else imports it.
package demo

import "github.com/dashbox/dashbox/pages"

// Dashboards returns the demo's dashboards, in the home page's order, for
// pages.Options.Dashboards. They share one set of data sets (see Data),
// each made when the first dashboard that shows it is built: each call
// returns dashboards with data sets of their own.
func Dashboards() []pages.Dashboard { return dashboards(newData(embeddedDataSets)) }

// dashboard is a demo dashboard: a pages.Dashboard whose Build takes the
// demo's data sets.
type dashboard struct {
	Path, Title, Description string
	Build                    func(*Data) (pages.Content, error)
}

// dashboards returns the registry's dashboards, built from data.
func dashboards(data *Data) []pages.Dashboard {
	out := make([]pages.Dashboard, len(registry))
	for i, d := range registry {
		out[i] = pages.Dashboard{
			Path: d.Path, Title: d.Title, Description: d.Description,
			Build: func() (pages.Content, error) { return d.Build(data) },
		}
	}
	return out
}

// registry lists every dashboard, in the home page's order.
//
// To add a dashboard: write one file declaring a dashboard whose Build
// makes its layout and callbacks from the data sets (app0.go is the
// smallest; app6.go the smallest with a callback), and add it here. Its
// page and callbacks are routed with the others (server/routes.go mounts
// them all through Pages.Dashboards); pages_test.go checks every
// registered page.
var registry = []dashboard{
	app0,  // grouped bar chart
	app1,  // the same, styled dark
	app2,  // HTML table
	app3,  // bubble scatter, Gapminder 2007
	app4,  // Markdown
	app5,  // the control gallery
	app6,  // a text input echoed as you type
	app7,  // Gapminder with a year slider
	app8,  // indicators, scales and year
	app9,  // one input, five outputs
	app10, // chained callbacks
	app11, // two inputs, updated on every change
	app12, // State: updated on Submit
	app13, // chart events as JSON
	app14, // crossfilter: hover for time series
	app15, // generic crossfilter over three scatters
	app16, // quality measures
	app17, // data tables
}
