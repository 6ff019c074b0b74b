package pages

// app12 is app11 with State: typing changes nothing until Submit is
// pressed; the output then shows both inputs and counts the presses.
var app12 = Dashboard{
	Path:        "/apps/app12",
	Title:       "Two inputs and Submit",
	Description: "The same two inputs as State: the output changes only when Submit is pressed, and counts the presses.",
	Build: func(*Data) (Content, error) {
		return Content{
			Layout: []Component{
				&Panel{Children: []Component{
					&TextInput{ID: "input-1", Label: "Input 1", Value: "Montréal"},
					&TextInput{ID: "input-2", Label: "Input 2", Value: "Canada"},
					&Button{ID: "submit", Label: "Submit"},
					&TextOutput{ID: "output"},
				}},
			},
			Callbacks: []Callback{{
				Name:   "submit",
				Inputs: []string{"submit.clicks"},
				State:  []string{"input-1", "input-2"},
				Func: func(in Inputs) (Outputs, error) {
					clicks, err := in.Int("submit.clicks", "the number of presses", 0, 1<<30)
					if err != nil {
						return nil, err
					}
					return Outputs{"output": Textf("The button has been pressed %d times, Input 1 is %q, and Input 2 is %q",
						clicks, in.String("input-1"), in.String("input-2"))}, nil
				},
			}},
		}, nil
	},
}
