package demo

import "github.com/dashbox/dashbox/pages"

// app11 is the demo's two inputs, one output: the output follows every
// change of either input.
var app11 = dashboard{
	Path:        "/apps/app11",
	Title:       "Two inputs",
	Description: "Two text inputs and one output, updated on every change of either.",
	Build: func(*Data) (pages.Content, error) {
		return pages.Content{
			Layout: []pages.Component{
				&pages.Panel{Children: []pages.Component{
					&pages.TextInput{ID: "input-1", Label: "Input 1", Value: "Montréal"},
					&pages.TextInput{ID: "input-2", Label: "Input 2", Value: "Canada"},
					&pages.TextOutput{ID: "output"},
				}},
			},
			Callbacks: []pages.Callback{{
				Name:   "both",
				Inputs: []string{"input-1", "input-2"},
				Func: func(in pages.Inputs) (pages.Outputs, error) {
					return pages.Outputs{"output": pages.Textf("Input 1 is %q and Input 2 is %q", in.String("input-1"), in.String("input-2"))}, nil
				},
			}},
		}, nil
	},
}
