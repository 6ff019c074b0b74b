package demo

import "github.com/dashbox/dashbox/pages"

// app12 is app11 with State: typing changes nothing until Submit is
// pressed; the output then shows both inputs and counts the presses.
var app12 = dashboard{
	Path:        "/apps/app12",
	Title:       "Two inputs and Submit",
	Description: "The same two inputs as State: the output changes only when Submit is pressed, and counts the presses.",
	Build: func(*Data) (pages.Content, error) {
		return pages.Content{
			Layout: []pages.Component{
				&pages.Panel{Children: []pages.Component{
					&pages.TextInput{ID: "input-1", Label: "Input 1", Value: "Montréal"},
					&pages.TextInput{ID: "input-2", Label: "Input 2", Value: "Canada"},
					&pages.Button{ID: "submit", Label: "Submit"},
					&pages.TextOutput{ID: "output"},
				}},
			},
			Callbacks: []pages.Callback{{
				Name:   "submit",
				Inputs: []string{"submit.clicks"},
				State:  []string{"input-1", "input-2"},
				Func: func(in pages.Inputs) (pages.Outputs, error) {
					clicks, err := in.Int("submit.clicks", "the number of presses", 0, 1<<30)
					if err != nil {
						return nil, err
					}
					return pages.Outputs{"output": pages.Textf("The button has been pressed %d times, Input 1 is %q, and Input 2 is %q",
						clicks, in.String("input-1"), in.String("input-2"))}, nil
				},
			}},
		}, nil
	},
}
