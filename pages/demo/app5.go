package demo

import "github.com/dashbox/dashbox/pages"

// app5 is the demo's gallery of core components, in two columns: a
// dropdown, a multi-select dropdown, radio items, checkboxes, a text input
// and a slider with marks. It has no callbacks: app6 onwards use them.
var app5 = dashboard{
	Path:        "/apps/app5",
	Title:       "Core components",
	Description: "The control gallery in two columns: dropdowns, radio items, checkboxes, a text input and a slider with marks.",
	Build: func(*Data) (pages.Content, error) {
		cities := []pages.Option{
			{Label: "New York City", Value: "NYC"},
			{Label: "Montréal", Value: "MTL"},
			{Label: "San Francisco", Value: "SF"},
		}
		return pages.Content{Layout: []pages.Component{
			pages.Columns(
				pages.Section("Choosing",
					&pages.Dropdown{ID: "dropdown", Label: "Dropdown", Options: cities, Value: "MTL"},
					&pages.Dropdown{ID: "multi-dropdown", Label: "Multi-select dropdown", Options: cities, Multi: true, Values: []string{"MTL", "SF"}},
					&pages.Radio{ID: "radio", Label: "Radio items", Options: cities, Value: "MTL"},
				),
				pages.Section("Entering",
					&pages.Checklist{ID: "checklist", Label: "Checkboxes", Options: cities, Values: []string{"MTL", "SF"}},
					&pages.TextInput{ID: "text", Label: "Text input", Value: "MTL"},
					&pages.Slider{ID: "slider", Label: "Slider", Min: 0, Max: 10, Step: 1, Value: 5, Marks: pages.EveryMark(0, 10, 1)},
				),
			),
		}}, nil
	},
}
