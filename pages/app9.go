package pages

import (
	"math"
	"strconv"
)

// app9 is the demo's multiple outputs page: one number in, five results
// out.
var app9 = Dashboard{
	Path:        "/apps/app9",
	Title:       "Powers",
	Description: "A number input with five outputs: x squared, x cubed, 2 to the x, 3 to the x and x to the x.",
	Build: func(*Data) (Content, error) {
		return Content{
			Layout: []Component{
				&Panel{Children: []Component{
					NumberInput("x", "x", "5"),
					&TextOutput{ID: "square", Label: "x²"},
					&TextOutput{ID: "cube", Label: "x³"},
					&TextOutput{ID: "twos", Label: "2ˣ"},
					&TextOutput{ID: "threes", Label: "3ˣ"},
					&TextOutput{ID: "x-to-the-x", Label: "xˣ"},
				}},
			},
			Callbacks: []Callback{{
				Name:   "powers",
				Inputs: []string{"x"},
				Func: func(in Inputs) (Outputs, error) {
					x, err := in.Float("x", "x")
					if err != nil {
						return nil, err
					}
					return Outputs{
						"square":     Text(number(x * x)),
						"cube":       Text(number(x * x * x)),
						"twos":       Text(number(math.Pow(2, x))),
						"threes":     Text(number(math.Pow(3, x))),
						"x-to-the-x": Text(number(math.Pow(x, x))),
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
