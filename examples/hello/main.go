// Command hello is a dashboard server of its own, built on dashbox: the whole
// dashbox command line (serve, service, ca, certs, passwd, ...) serving one
// dashboard of this module's instead of dashbox's demo.
//
//	go build -o hello . && ./hello serve --https-addr :8443 --http-addr :8080
package main

import (
	"github.com/dashbox/dashbox/cmd"
	"github.com/dashbox/dashbox/pages"
)

// regions are the sales regions the dropdown offers.
var regions = pages.OptionsOf("North", "South")

// months and sales are the data the chart draws: this module's own.
var (
	months = []string{"Jan", "Feb", "Mar", "Apr", "May", "Jun"}
	sales  = map[string][]float64{
		"North": {12, 15, 9, 17, 21, 19},
		"South": {7, 11, 14, 10, 8, 16},
	}
)

// salesDashboard draws the chosen region's monthly sales as bars.
var salesDashboard = pages.Dashboard{
	Path:        "/apps/sales",
	Title:       "Sales",
	Description: "Monthly sales of the region chosen.",
	Build: func() (pages.Content, error) {
		return pages.Content{
			Layout: []pages.Component{
				&pages.Dropdown{ID: "region", Label: "Region", Options: regions, Value: "North"},
				&pages.Graph{ID: "sales-chart", Label: "Monthly sales of the region chosen"},
			},
			Callbacks: []pages.Callback{{
				Name:   "chart",
				Inputs: []string{"region"},
				Func: func(in pages.Inputs) (pages.Outputs, error) {
					region, err := in.OneOf("region", "region", regions)
					if err != nil {
						return nil, err // a 400 naming what was wrong
					}
					chart := pages.NewBar("sales-chart")
					chart.SetXAxis(months).AddSeries(region, pages.BarData(sales[region]...))
					return pages.Outputs{"sales-chart": pages.ChartOf(chart)}, nil
				},
			}},
		}, nil
	},
}

func main() {
	cmd.Main(cmd.Options{Dashboards: []pages.Dashboard{salesDashboard}})
}
