package pages

import (
	"bytes"
	"html/template"

	"github.com/yuin/goldmark"
)

// app4 is the demo's Markdown page: text written in Markdown, rendered as
// CommonMark (by goldmark, once, at start).
var app4 = Dashboard{
	Path:        "/apps/app4",
	Title:       "Markdown",
	Description: "A page written in Markdown and rendered as CommonMark: headings, a list, a link and a rule.",
	Build: func(*Data) (Content, error) {
		var html bytes.Buffer
		if err := goldmark.Convert([]byte(app4Markdown), &html); err != nil {
			return Content{}, err
		}
		return Content{Layout: []Component{
			&Panel{Children: []Component{&Markdown{HTML: template.HTML(html.String())}}},
		}}, nil
	},
}

const app4Markdown = `## Dash and Markdown

Dash apps can be written in Markdown, and so can dashbox pages: this one is
rendered following the [CommonMark specification](https://spec.commonmark.org/)
by [goldmark](https://github.com/yuin/goldmark), once, when the server starts.

### What Markdown gives you

- *Emphasis*, **strong emphasis** and ` + "`inline code`" + `
- Lists, like this one
  1. numbered ones too
  2. nested inside others
- [Links](/apps/app0), to other dashboards or anywhere else

> A block quote, for the one thing the reader must not miss.

---

Everything above the rule is one Go string in ` + "`pages/app4.go`" + `.
`
