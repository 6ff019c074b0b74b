package demo

import (
	"math"
	"strconv"

	"github.com/dashbox/dashbox/pages"
)

// Chart helpers the demo's dashboards share.

// axisType is the ECharts axis type for a Linear/Log radio's value.
func axisType(scale string) string {
	if scale == "log" {
		return "log"
	}
	return "value"
}

// scaleOptions are the choices of a Linear/Log radio.
var scaleOptions = []pages.Option{{Label: "Linear", Value: "linear"}, {Label: "Log", Value: "log"}}

// bubbleSize maps a population to a bubble diameter in pixels, by area as
// Plotly's size_max does: the most populous country gets largest.
func bubbleSize(pop, maxPop float64, largest int) int {
	return max(4, int(float64(largest)*math.Sqrt(pop/maxPop)))
}

func itoa(i int) string { return strconv.Itoa(i) }
