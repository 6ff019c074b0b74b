package demo

import "github.com/dashbox/dashbox/pages"

// app6 is the demo's first callback: the server echoes a text input as the
// user types.
var app6 = dashboard{
	Path:        "/apps/app6",
	Title:       "Echo",
	Description: "A text input whose value the server echoes as you type.",
	Build: func(*Data) (pages.Content, error) {
		return pages.Content{
			Layout: []pages.Component{
				&pages.Panel{Children: []pages.Component{
					&pages.TextInput{ID: "my-input", Label: "Type something", Value: "initial value"},
					&pages.TextOutput{ID: "my-output"},
				}},
			},
			Callbacks: []pages.Callback{{
				Name:   "echo",
				Inputs: []string{"my-input"},
				Func: func(in pages.Inputs) (pages.Outputs, error) {
					return pages.Outputs{"my-output": pages.Text("Output: " + in.String("my-input"))}, nil
				},
			}},
		}, nil
	},
}
