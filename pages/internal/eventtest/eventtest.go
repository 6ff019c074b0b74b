// Package eventtest makes the chart-event inputs that the framework's tests
// and the demo's tests both send to callbacks: hostile ones (deep, wide) and
// the biggest legitimate one (a lasso over every row of app15).
package eventtest

import (
	"encoding/json"
	"fmt"
	"strings"
)

// DeepJSON is JSON nested d levels deep.
func DeepJSON(d int) string { return strings.Repeat("[", d) + strings.Repeat("]", d) }

// WideJSON is an array of n zeros.
func WideJSON(n int) string { return "[" + strings.Repeat("0,", n-1) + "0]" }

// LassoSelection is what dashbox.js sends for a lasso over every one of
// app15's 30 rows: each point, and an outline of n vertices whose
// coordinates have as many digits as a float64 prints.
func LassoSelection(n int) string {
	type pt struct {
		SeriesIndex int       `json:"seriesIndex"`
		DataIndex   int       `json:"dataIndex"`
		Name        string    `json:"name"`
		Value       []float64 `json:"value"`
	}
	var sel struct {
		Points      []pt `json:"points"`
		LassoPoints struct {
			X []float64 `json:"x"`
			Y []float64 `json:"y"`
		} `json:"lassoPoints"`
	}
	for i := range 30 {
		sel.Points = append(sel.Points, pt{0, i, fmt.Sprintf("row %d", i+1), []float64{0.6046602879796196 + float64(i)/1e9, 0.9405090880450124}})
	}
	for i := range n {
		sel.LassoPoints.X = append(sel.LassoPoints.X, 0.4321739130434782+float64(i)/1e9)
		sel.LassoPoints.Y = append(sel.LassoPoints.Y, 0.6140350877192983-float64(i)/1e9)
	}
	b, _ := json.Marshal(sel)
	return string(b)
}

// FuzzSeeds are the seeds of the event fuzz targets: real events of each
// kind, the largest legitimate shape, and inputs just past each bound.
func FuzzSeeds() []string {
	return []string{
		`{"points":[{"series":"Trace 1","seriesIndex":0,"dataIndex":2,"name":"c","value":[3,3]}]}`,
		`{"points":[],"range":{"x":[1,2],"y":[3,4]}}`,
		`{"xaxis.range":[1.5,null],"yaxis.range":[0,10]}`,
		LassoSelection(20),
		DeepJSON(33),
		WideJSON(4097),
		`{"points":[{"name":"[[[\"","value":[1e20,1e-7]}]}`,
		`null`,
	}
}
