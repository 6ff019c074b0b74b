package pages

// app6 is the demo's first callback: the server echoes a text input as the
// user types.
var app6 = Dashboard{
	Path:        "/apps/app6",
	Title:       "Echo",
	Description: "A text input whose value the server echoes as you type.",
	Build: func(*Data) (Content, error) {
		return Content{
			Layout: []Component{
				&Panel{Children: []Component{
					&TextInput{ID: "my-input", Label: "Type something", Value: "initial value"},
					&TextOutput{ID: "my-output"},
				}},
			},
			Callbacks: []Callback{{
				Name:   "echo",
				Inputs: []string{"my-input"},
				Func: func(in Inputs) (Outputs, error) {
					return Outputs{"my-output": Text("Output: " + in.String("my-input"))}, nil
				},
			}},
		}, nil
	},
}
