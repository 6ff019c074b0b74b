package pages

// app11 is the demo's two inputs, one output: the output follows every
// change of either input.
var app11 = Dashboard{
	Path:        "/apps/app11",
	Title:       "Two inputs",
	Description: "Two text inputs and one output, updated on every change of either.",
	Build: func(*Data) (Content, error) {
		return Content{
			Layout: []Component{
				&Panel{Children: []Component{
					&TextInput{ID: "input-1", Label: "Input 1", Value: "Montréal"},
					&TextInput{ID: "input-2", Label: "Input 2", Value: "Canada"},
					&TextOutput{ID: "output"},
				}},
			},
			Callbacks: []Callback{{
				Name:   "both",
				Inputs: []string{"input-1", "input-2"},
				Func: func(in Inputs) (Outputs, error) {
					return Outputs{"output": Textf("Input 1 is %q and Input 2 is %q", in.String("input-1"), in.String("input-2"))}, nil
				},
			}},
		}, nil
	},
}
