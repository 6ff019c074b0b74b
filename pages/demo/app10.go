package demo

import "github.com/dashbox/dashbox/pages"

// app10 is the demo's chained callbacks: the country sets the city options,
// the first city is selected, and the sentence follows both. The second
// callback runs after the first because its city input is the first's
// output, as in Dash.
var app10 = dashboard{
	Path:        "/apps/app10",
	Title:       "Countries and cities",
	Description: "Chained callbacks: the country sets the city options, the first city is selected, and a sentence names both.",
	Build: func(*Data) (pages.Content, error) {
		cities := map[string][]string{
			"America": {"New York City", "San Francisco", "Cincinnati"},
			"Canada":  {"Montréal", "Toronto", "Ottawa"},
		}
		countries := pages.OptionsOf("America", "Canada")
		return pages.Content{
			Layout: []pages.Component{
				&pages.Panel{Children: []pages.Component{
					&pages.Radio{ID: "countries", Label: "Country", Options: countries, Value: "America", Inline: true},
					&pages.Radio{ID: "cities", Label: "City", Inline: true},
					&pages.TextOutput{ID: "display-selected-values"},
				}},
			},
			Callbacks: []pages.Callback{
				{
					Name:   "cities",
					Inputs: []string{"countries"},
					Func: func(in pages.Inputs) (pages.Outputs, error) {
						country, err := in.OneOf("countries", "country", countries)
						if err != nil {
							return nil, err
						}
						return pages.Outputs{"cities": pages.Choices(pages.OptionsOf(cities[country]...), cities[country][0])}, nil
					},
				},
				{
					Name:   "sentence",
					Inputs: []string{"countries", "cities"},
					Func: func(in pages.Inputs) (pages.Outputs, error) {
						country, err := in.OneOf("countries", "country", countries)
						if err != nil {
							return nil, err
						}
						city, err := in.OneOf("cities", "city in "+country, pages.OptionsOf(cities[country]...))
						if err != nil {
							return nil, err
						}
						return pages.Outputs{"display-selected-values": pages.Textf("%s is a city in %s", city, country)}, nil
					},
				},
			},
		}, nil
	},
}
