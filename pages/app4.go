package pages

import (
	_ "embed"
	"html/template"
)

//go:generate go run ./internal/cmd/markdown -in app4.md -out app4.html

// app4HTML is app4.md rendered as CommonMark by goldmark, by go generate:
// rendering it in dashbox would put goldmark's code and start-up
// allocations in every server for one page. TestMarkdownIsGenerated fails
// when the two differ.
//
//go:embed app4.html
var app4HTML string

// app4 is the demo's Markdown page: text written in Markdown (app4.md),
// rendered as CommonMark.
var app4 = Dashboard{
	Path:        "/apps/app4",
	Title:       "Markdown",
	Description: "A page written in Markdown and rendered as CommonMark: headings, a list, a link and a rule.",
	Build: func(*Data) (Content, error) {
		return Content{Layout: []Component{
			&Panel{Children: []Component{&Markdown{HTML: template.HTML(app4HTML)}}},
		}}, nil
	},
}
