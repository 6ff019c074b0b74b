package demo

import (
	_ "embed"
	"html/template"

	"github.com/dashbox/dashbox/pages"
)

//go:generate go run ../internal/cmd/markdown -in app4.md -out app4.html

// app4HTML is app4.md rendered as CommonMark by goldmark, by go generate:
// rendering it in dashbox would put goldmark's code and start-up
// allocations in every server for one page. TestMarkdownIsGenerated fails
// when the two differ.
//
//go:embed app4.html
var app4HTML string

// app4 is the demo's Markdown page: text written in Markdown (app4.md),
// rendered as CommonMark.
var app4 = dashboard{
	Path:        "/apps/app4",
	Title:       "Markdown",
	Description: "A page written in Markdown and rendered as CommonMark: headings, a list, a link and a rule.",
	Build: func(*Data) (pages.Content, error) {
		return pages.Content{Layout: []pages.Component{
			&pages.Panel{Children: []pages.Component{&pages.Markdown{HTML: template.HTML(app4HTML)}}},
		}}, nil
	},
}
