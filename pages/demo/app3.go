package demo

import (
	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"

	"github.com/dashbox/dashbox/pages"
)

// app3 is the demo's life expectancy against GDP chart: one bubble per
// country in 2007, GDP per capita on a log axis, bubble area by population,
// colour by continent, the country's name on hover.
var app3 = dashboard{
	Path:        "/apps/app3",
	Title:       "Life expectancy and GDP, 2007",
	Description: "A bubble chart: GDP per capita (log) against life expectancy, bubbles sized by population and coloured by continent.",
	Build: func(d *Data) (pages.Content, error) {
		g, err := d.Gapminder()
		if err != nil {
			return pages.Content{}, err
		}
		return pages.Content{Layout: []pages.Component{
			&pages.Graph{ID: "life-exp-vs-gdp", Label: "Bubble chart of life expectancy against GDP per capita, 2007",
				Figure: gapminderBubbles("life-exp-vs-gdp", g, 2007), Size: "tall"},
			pages.Note(gapminderSource),
		}}, nil
	},
}

// gapminderSource credits the Gapminder data wherever it is shown.
const gapminderSource = "Data: Gapminder (gapminder.org, CC BY 4.0), as excerpted by Jennifer Bryan's gapminder " +
	"package and shipped by plotly.py, the data the Dash demo used."

// gapminderBubbles is the bubble chart of one year, shared by app3 and
// app7. Axes are fixed so that moving between years animates the bubbles
// instead of rescaling the chart.
func gapminderBubbles(id string, g *Gapminder, year int) *charts.Scatter {
	c := pages.NewScatter(id,
		charts.WithTitleOpts(opts.Title{Title: "Life expectancy and GDP per capita", Subtitle: itoa(year)}),
		charts.WithTooltipOpts(opts.Tooltip{Formatter: "{b} ({a})\nGDP per capita: {@[0]}\nLife expectancy: {@[1]}\nPopulation: {@[2]}"}),
		charts.WithLegendOpts(opts.Legend{Top: "bottom"}),
		charts.WithXAxisOpts(opts.XAxis{Type: "log", Name: "GDP per capita", NameLocation: "middle", NameGap: 28, Min: 100, Max: 200000}),
		charts.WithYAxisOpts(opts.YAxis{Name: "Life expectancy", Min: 20, Max: 90}),
		charts.WithGridOpts(opts.Grid{Left: "56", Right: "24", Bottom: "72"}),
	)
	maxPop := 0.0
	for _, r := range g.Rows {
		maxPop = max(maxPop, r.Pop)
	}
	for _, continent := range g.Continents {
		var points []opts.ScatterData
		for _, r := range g.Year(year) {
			if r.Continent == continent {
				points = append(points, opts.ScatterData{
					Name:       r.Country,
					Value:      []float64{r.GDPPerCap, r.LifeExp, r.Pop},
					SymbolSize: bubbleSize(r.Pop, maxPop, 60),
				})
			}
		}
		c.AddSeries(continent, points, charts.WithItemStyleOpts(opts.ItemStyle{Opacity: opts.Float(0.75)}))
	}
	return c
}
