package demo

import (
	"math"
	"strconv"

	"github.com/dashbox/dashbox/pages"
)

// app9 is the demo's multiple outputs page: one number in, five results
// out.
var app9 = dashboard{
	Path:        "/apps/app9",
	Title:       "Powers",
	Description: "A number input with five outputs: x squared, x cubed, 2 to the x, 3 to the x and x to the x.",
	Build: func(*Data) (pages.Content, error) {
		return pages.Content{
			Layout: []pages.Component{
				&pages.Panel{Children: []pages.Component{
					pages.NumberInput("x", "x", "5"),
					&pages.TextOutput{ID: "square", Label: "x²"},
					&pages.TextOutput{ID: "cube", Label: "x³"},
					&pages.TextOutput{ID: "twos", Label: "2ˣ"},
					&pages.TextOutput{ID: "threes", Label: "3ˣ"},
					&pages.TextOutput{ID: "x-to-the-x", Label: "xˣ"},
				}},
			},
			Callbacks: []pages.Callback{{
				Name:   "powers",
				Inputs: []string{"x"},
				Func: func(in pages.Inputs) (pages.Outputs, error) {
					x, err := in.Float("x", "x")
					if err != nil {
						return nil, err
					}
					return pages.Outputs{
						"square":     pages.Text(number(x * x)),
						"cube":       pages.Text(number(x * x * x)),
						"twos":       pages.Text(number(math.Pow(2, x))),
						"threes":     pages.Text(number(math.Pow(3, x))),
						"x-to-the-x": pages.Text(number(math.Pow(x, x))),
					}, nil
				},
			}},
		}, nil
	},
}

// number formats a result as Python would print it, plus the cases Python
// raises for.
func number(f float64) string {
	switch {
	case math.IsInf(f, 0):
		return "too large to show"
	case math.IsNaN(f):
		return "not a real number"
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}
