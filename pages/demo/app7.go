package demo

import "github.com/dashbox/dashbox/pages"

// app7 is the demo's Gapminder chart with a year slider: moving the slider
// asks the server for that year's bubbles, and the chart animates to them.
var app7 = dashboard{
	Path:        "/apps/app7",
	Title:       "Gapminder by year",
	Description: "GDP per capita against life expectancy by country, with a year slider from 1952 to 2007; the chart animates to the chosen year.",
	Build: func(d *Data) (pages.Content, error) {
		g, err := d.Gapminder()
		if err != nil {
			return pages.Content{}, err
		}
		first, last := g.Years[0], g.Years[len(g.Years)-1]
		return pages.Content{
			Layout: []pages.Component{
				&pages.Graph{ID: "graph-with-slider", Label: "Bubble chart of life expectancy against GDP per capita for the chosen year", Size: "tall"},
				&pages.Slider{ID: "year-slider", Label: "Year", Min: first, Max: last, Step: 5, Value: first, Marks: pages.EveryMark(first, last, 5)},
				pages.Note(gapminderSource),
			},
			Callbacks: []pages.Callback{{
				Name:   "year",
				Inputs: []string{"year-slider"},
				Func: func(in pages.Inputs) (pages.Outputs, error) {
					year, err := gapminderYear(in, "year-slider", g)
					if err != nil {
						return nil, err
					}
					return pages.Outputs{"graph-with-slider": pages.ChartOf(gapminderBubbles("graph-with-slider", g, year))}, nil
				},
			}},
		}, nil
	},
}

// gapminderYear reads a year input: one of the years the data has.
func gapminderYear(in pages.Inputs, name string, g *Gapminder) (int, error) {
	first, last := g.Years[0], g.Years[len(g.Years)-1]
	year, err := in.Int(name, "year", first, last)
	if err != nil {
		return 0, err
	}
	if g.Year(year) == nil {
		return 0, pages.Errorf(pages.EINVALID, "no data for %d: the years are %d to %d in steps of 5", year, first, last)
	}
	return year, nil
}
