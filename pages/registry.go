package pages

// registry lists every dashboard, in the home page's order.
//
// To add a dashboard: write one file declaring a Dashboard whose Build
// makes its layout and callbacks from the data sets (app0.go is the
// smallest; app6.go the smallest with a callback), and add it here. Its
// page and callbacks are routed with the others (server/routes.go mounts
// them all through Pages.Dashboards); pages_test.go checks every
// registered page.
var registry = []Dashboard{
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
