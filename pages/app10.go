package pages

// app10 is the demo's chained callbacks: the country sets the city options,
// the first city is selected, and the sentence follows both. The second
// callback runs after the first because its city input is the first's
// output, as in Dash.
var app10 = Dashboard{
	Path:        "/apps/app10",
	Title:       "Countries and cities",
	Description: "Chained callbacks: the country sets the city options, the first city is selected, and a sentence names both.",
	Build: func(*Data) (Content, error) {
		cities := map[string][]string{
			"America": {"New York City", "San Francisco", "Cincinnati"},
			"Canada":  {"Montréal", "Toronto", "Ottawa"},
		}
		countries := OptionsOf("America", "Canada")
		return Content{
			Layout: []Component{
				&Panel{Children: []Component{
					&Radio{ID: "countries", Label: "Country", Options: countries, Value: "America", Inline: true},
					&Radio{ID: "cities", Label: "City", Inline: true},
					&TextOutput{ID: "display-selected-values"},
				}},
			},
			Callbacks: []Callback{
				{
					Name:   "cities",
					Inputs: []string{"countries"},
					Func: func(in Inputs) (Outputs, error) {
						country, err := in.OneOf("countries", "country", countries)
						if err != nil {
							return nil, err
						}
						return Outputs{"cities": Choices(OptionsOf(cities[country]...), cities[country][0])}, nil
					},
				},
				{
					Name:   "sentence",
					Inputs: []string{"countries", "cities"},
					Func: func(in Inputs) (Outputs, error) {
						country, err := in.OneOf("countries", "country", countries)
						if err != nil {
							return nil, err
						}
						city, err := in.OneOf("cities", "city in "+country, OptionsOf(cities[country]...))
						if err != nil {
							return nil, err
						}
						return Outputs{"display-selected-values": Textf("%s is a city in %s", city, country)}, nil
					},
				},
			},
		}, nil
	},
}
