package pages

import (
	"fmt"
	"testing"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"
)

// BenchmarkChartJSON compares go-echarts' RenderSnippet, used once per chart
// at start, with Validate+JSON, used by callbacks: the reason callbacks do
// not use RenderSnippet.
func BenchmarkChartJSON(b *testing.B) {
	b.Run("RenderSnippet", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := (&chartOption{benchScatter()}).snippetJSON("g"); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("MarshalJSON", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := (&chartOption{benchScatter()}).MarshalJSON(); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// benchScatter is a bubble chart the size of the demo's Gapminder one:
// five series, 142 named points.
func benchScatter() *charts.Scatter {
	c := NewScatter("g", charts.WithTitleOpts(opts.Title{Title: "Bubbles"}), charts.WithXAxisOpts(opts.XAxis{Type: "log"}))
	for s := range 5 {
		var points []opts.ScatterData
		for i := s; i < 142; i += 5 {
			points = append(points, opts.ScatterData{Name: fmt.Sprintf("Country %d", i), Value: []float64{float64(i) * 312.5, 40 + float64(i)/5}, SymbolSize: 4 + i%30})
		}
		c.AddSeries(fmt.Sprintf("Continent %d", s), points)
	}
	return c
}
